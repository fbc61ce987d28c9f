import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { ROOT, removeTempDirs, sandbox, spawnCli, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

/**
 * A rollback that has ended is durable before the next one starts, as a task's success is before
 * its dependents start: after a crash, a rollback that had finished reads as finished and is not
 * run again (rollbacks are rarely idempotent: a refund, a delete). Before, the next rollback
 * started in the same turn, and its thread could run it while the commit of the end of the one
 * before was still waiting on the database.
 */

afterEach(removeTempDirs);

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');
const STATUS = resolve(import.meta.dir, '../fixtures/modules/task-status.ts');
const HOLD_LOCK = resolve(import.meta.dir, '../fixtures/hold-write-lock.ts');


describe('compensation order on disk', () => {
  test("the next rollback starts only once the end of the one before is committed (swarm rollback, the database's writes held up)", async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(
      dir,
      'undo.yaml',
      [
        'name: undo',
        'symbols:',
        // a's rollback reports what the database held for b when it started.
        `  - {name: a, type: action, parameters: {operation: echo, message: a-out}, rollback: {name: undo-a, type: action, parameters: {operation: module, module: ${STATUS}, db: ${db}, task: b}}}`,
        `  - {name: b, type: action, dependencies: [a], parameters: {operation: echo, message: b-out}, rollback: {name: undo-b, type: action, parameters: {operation: module, module: ${WAIT}, path: ${gate}}}}`,
        '',
      ].join('\n'),
    );
    const done = await swarmJson(['run', file, '--db', db], config);
    expect(done.json.status).toBe('succeeded');
    const runId = done.json.runId as string;
    const rollback = spawnCli(['rollback', runId, '--db', db, '--json'], config);
    const output = new Response(rollback.stdout).text();
    await until('b to be rolling back', async () => {
      const shown = await swarmJson(['show', runId, '--db', db], config);
      return shown.json.tasks?.find((t: { name: string }) => t.name === 'b')?.status === 'rolling_back' ? true : undefined;
    }, 20_000);
    // Another connection holds the write lock while undo-b ends: its end cannot be committed
    // until the lock goes. Whenever undo-a starts, b must read as rolled back.
    const holder = Bun.spawn([process.execPath, HOLD_LOCK, db, '1500'], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' });
    const reader = holder.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('locked');
    writeFileSync(gate, '');
    expect(await holder.exited).toBe(0);
    expect(await rollback.exited).toBe(0);
    const result = JSON.parse(await output);
    const byName = Object.fromEntries(result.tasks.map((t: { name: string }) => [t.name, t]));
    expect(byName.b.status).toBe('rolled_back');
    expect(byName.a).toMatchObject({ status: 'rolled_back', rollbackOutput: { b: 'rolled_back' } });
    expect(existsSync(gate)).toBe(true);
  }, TIMEOUT);
});
