/**
 * A `swarm run` killed with SIGKILL leaves its run "running" in the store. `runs` and `show`
 * must say that nothing moves it any more and how to go on; `rollback` points at --resume,
 * and `replay` warns before reusing a half-done run.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandLineFor } from '../../src/command-line.ts';
import { listRunsPage } from '../../src/dashboard/server/run-list.ts';
import { runStateNow } from '../../src/dashboard/server/run-state.ts';
import { listedNodes } from '../../src/run-liveness.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { newestRunOnceRunning, removeTempDirs, sandbox, spawnCli, swarm, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');


describe('a run whose process was killed', () => {
  test('is marked interrupted by runs and show, with the way to resume it; rollback and replay say so', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(
      dir,
      'held.yaml',
      `name: held\nsymbols:\n  - {name: first, type: action, parameters: {operation: echo, message: hi}}\n  - {name: hold, type: action, dependencies: [first], parameters: {operation: module, module: ${WAIT}, path: ${gate}}}\n`,
    );
    const child = spawnCli(['run', file, '--db', db, '--quiet'], config);
    const runId = await newestRunOnceRunning('hold', ['--db', db], config);
    // Alive: running, not interrupted; its node busy, not gone.
    const alive = (await swarmJson(['runs', '--db', db], config)).json.runs[0];
    expect(alive.interrupted).toBe(false);
    expect('interruption' in alive).toBe(false);
    const localNode = () => {
      const store = new SqliteStore(db);
      try {
        return listedNodes(store).find((n) => n.id === 'local');
      } finally {
        store.close();
      }
    };
    expect(localNode()).toMatchObject({ status: 'busy', running: 1, gone: false });
    child.kill('SIGKILL');
    await child.exited;

    const runs = await swarm(['runs', '--db', db], config);
    expect(runs.stdout).toContain('running (interrupted)');
    expect(runs.stdout).toContain('swarm run --resume <run>');
    expect((await swarmJson(['runs', '--db', db], config)).json.runs[0]).toMatchObject({ runId, status: 'running', interrupted: true, interruption: 'dead', resumeCommand: `swarm run --resume ${runId} ${config} --db ${db}` });
    const show = await swarm(['show', runId, '--db', db], config);
    expect(show.stdout).toContain(`running, interrupted: its process is gone; take it up with \`swarm run --resume ${runId} ${config} --db ${db}\``);
    expect((await swarmJson(['show', runId, '--db', db], config)).json.interrupted).toBe(true);
    // The dashboard's (and the dispatcher API's) list says so too.
    const store = new SqliteStore(db);
    try {
      expect(listRunsPage(store, new URLSearchParams(), commandLineFor(undefined, db)).runs[0]).toMatchObject({ runId, status: 'running', interrupted: true });
      expect(runStateNow(store, store.getRunListing(runId)!, commandLineFor(undefined, db))).toMatchObject({ runState: 'running', interrupted: true });
      // Its node stays busy in the table; the list says its process is gone.
      expect(localNode()).toMatchObject({ status: 'busy', gone: true });
    } finally {
      store.close();
    }

    const rollback = await swarmJson(['rollback', runId, '--db', db], config);
    expect(rollback.code).toBe(2);
    expect(rollback.json.error.message).toContain(`swarm run --resume ${runId} ${config} --db ${db}`);
    expect(rollback.json.error.message).not.toContain('swarm cancel');

    writeFileSync(gate, '');
    const replay = await swarm(['replay', runId, '--db', db, '--quiet'], config);
    expect(replay.stderr).toContain(`run ${runId} is running (interrupted: its process is gone`);
    expect(replay.code).toBe(0);

    // Taken up, its final line times the whole run, as show does (not the part just run), and
    // its table times each task from its first attempt, as show does too (the one the killed
    // process began, not the one just run).
    const resumed = await swarm(['run', '--resume', runId, '--db', db], config);
    expect(resumed.code).toBe(0);
    const took = /succeeded in ([^:]+):/.exec(resumed.stdout)?.[1];
    expect(took).toBeDefined();
    const shown = await swarm(['show', runId, '--db', db], config);
    expect(shown.stdout).toContain(`(${took})`);
    const holdRow = (text: string) => /│ hold +│[^\n]*/.exec(text)?.[0];
    expect(holdRow(resumed.stdout)).toBeDefined();
    expect(holdRow(resumed.stdout)).toBe(holdRow(shown.stdout));
  }, TIMEOUT);

  test('a rollback killed midway goes on with run --resume: the rollbacks left run, it ends rolled_back, exit 0', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(
      dir,
      'undo.yaml',
      [
        'name: undo',
        'symbols:',
        '  - {name: a, type: action, parameters: {operation: echo, message: a-out}, rollback: {name: undo-a, type: action, parameters: {operation: echo}}}',
        `  - {name: b, type: action, dependencies: [a], parameters: {operation: echo, message: b-out}, rollback: {name: undo-b, type: action, parameters: {operation: module, module: ${WAIT}, path: ${gate}}}}`,
        '',
      ].join('\n'),
    );
    const done = await swarmJson(['run', file, '--db', db], config);
    expect(done.json.status).toBe('succeeded');
    const runId = done.json.runId as string;
    const child = spawnCli(['rollback', runId, '--db', db, '--quiet'], config);
    await until('b to be rolling back', async () => {
      const shown = await swarmJson(['show', runId, '--db', db], config);
      return shown.json.tasks?.find((t: { name: string }) => t.name === 'b')?.status === 'rolling_back' ? true : undefined;
    }, 20_000);
    child.kill('SIGKILL');
    await child.exited;
    // Another rollback is not the way: it says how to finish this one.
    const again = await swarmJson(['rollback', runId, '--db', db], config);
    expect(again.code).toBe(2);
    expect(again.json.error.message).toContain(`it was rolling back when its process stopped: its process is gone; take it up with \`swarm run --resume ${runId} ${config} --db ${db}\``);

    writeFileSync(gate, '');
    const resumed = await swarmJson(['run', '--resume', runId, '--db', db], config);
    expect(resumed.code).toBe(0);
    expect(resumed.json.status).toBe('rolled_back');
    const byName = Object.fromEntries(resumed.json.tasks.map((t: { name: string }) => [t.name, t]));
    expect(byName.a).toMatchObject({ status: 'rolled_back', output: 'a-out' });
    expect(byName.b).toMatchObject({ status: 'rolled_back', output: 'b-out', rollbackOutput: { dependencies: { b: 'b-out' } } });
  }, TIMEOUT);
});
