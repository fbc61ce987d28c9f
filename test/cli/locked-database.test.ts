/**
 * Another process holds the state database's write lock for longer than a commit waits for it
 * (a big `swarm prune`, a `sqlite3` shell with a transaction open): the swarm holds its runs and
 * tries again, as for a database server that went away, instead of giving them all up.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { holdWriteLock, killLockHolders } from '../support/write-lock.ts';
import { TIMEOUT, removeTempDirs, sandbox, startSwarm, swarmJson, until, writeManifest } from './helpers.ts';

setDefaultTimeout(2 * TIMEOUT);
const WAIT_FOR_FILE = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');

afterEach(async () => {
  await killLockHolders();
  removeTempDirs();
});

describe('the state database locked by another process for longer than a commit waits', () => {
  test('swarm run holds its run, says so, and finishes it once the lock goes: exit 0, every task succeeded', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const manifest = writeManifest(
      dir,
      'locked.yaml',
      [
        'name: locked',
        'symbols:',
        '  - {name: first, type: action, parameters: {operation: echo, message: one}}',
        `  - {name: second, type: action, dependencies: [first], parameters: {operation: module, module: ${WAIT_FOR_FILE}, path: ${gate}}}`,
        '  - {name: third, type: action, dependencies: [second], parameters: {operation: echo, message: three}}',
        '',
      ].join('\n'),
    );
    const run = startSwarm(['run', manifest, '--db', db, '--json'], config);
    await until('second to run', async () => {
      const shown = await swarmJson(['runs', '--db', db], config);
      const id = shown.json.runs[0]?.runId;
      if (id === undefined) return undefined;
      const tasks = (await swarmJson(['show', id, '--db', db], config)).json.tasks as { name: string; status: string }[];
      return tasks.find((t) => t.name === 'second')?.status === 'running' ? true : undefined;
    });
    const lock = await holdWriteLock(db);
    writeFileSync(gate, '');
    const held = await Promise.race([
      run.waitForStderr('the state database is unavailable').then(() => 'held'),
      run.child.exited.then(() => 'exited'),
    ]);
    if (held === 'exited') {
      await lock.release();
      const result = await run.finish();
      throw new Error(`swarm run ended (exit ${result.code}) instead of holding its run:\n${result.stderr}`);
    }
    await lock.release();
    const result = await run.finish();
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { status: string; tasks: { name: string; status: string }[] };
    expect(out.status).toBe('succeeded');
    expect(out.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(result.stderr).toContain('is locked: another process held its write lock');
    expect(result.stderr).toContain('the state database answers again');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  // Opening the database meets the lock too (its checks write): the message says what it is,
  // not to check the path and its permissions, which are fine.
  test('a command that opens the database while the lock is held says it is locked by another process: exit 3', async () => {
    const { dir, config, db } = sandbox();
    const manifest = writeManifest(dir, 'one.yaml', 'name: one\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n');
    expect((await swarmJson(['run', manifest, '--db', db], config)).code).toBe(0);
    const lock = await holdWriteLock(db);
    const pruned = await swarmJson(['prune', '--older-than', '0s', '--yes', '--db', db], config);
    expect(pruned.code).toBe(3);
    expect(pruned.json.error.code).toBe('STORE_UNAVAILABLE');
    expect(pruned.json.error.message).toContain('is locked: another process held its write lock');
    expect(pruned.json.error.message).not.toContain('permissions');
    await lock.release();
  });
});
