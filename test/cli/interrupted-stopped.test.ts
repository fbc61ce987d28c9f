/**
 * A `swarm run` that is only stopped (SIGSTOP: `ps` state T) is not known to be gone: once its
 * lease runs out, `show` and `runs` mark its run interrupted saying what is known — its lease ran
 * out (its process is gone, or stopped renewing it) — with the way to take it up. "Its process is
 * gone" is said only of a process known dead on this host.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandLineFor } from '../../src/command-line.ts';
import { runStateNow } from '../../src/dashboard/server/run-state.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { newestRunOnceRunning, removeTempDirs, sandbox, spawnCli, swarm, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');

describe('a run whose process is stopped, not dead', () => {
  test("its lease ran out: show and runs say so, not that its process is gone; once it is killed, they do", async () => {
    const { dir, config, db } = sandbox({ coordinator: 'heartbeat_interval = 100\nheartbeat_timeout = 600' });
    appendFileSync(config, '[worker]\nheartbeat_interval = 100\n');
    const file = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: hold, type: action, parameters: {operation: module, module: ${WAIT}, path: ${join(dir, 'gate')}}}\n`);
    const child = spawnCli(['run', file, '--db', db, '--quiet'], config);
    try {
      const runId = await newestRunOnceRunning('hold', ['--db', db], config);
      child.kill('SIGSTOP');
      await until('the lease to run out', async () => ((await swarmJson(['show', runId, '--db', db], config)).json.interrupted ? true : undefined), 20_000);
      const show = await swarm(['show', runId, '--db', db], config);
      expect(show.stdout).toContain('running, interrupted: its lease ran out (its process is gone, or stopped renewing it); take it up with `swarm run --resume');
      expect(show.stdout).not.toContain('its process is gone;');
      const runs = await swarm(['runs', '--db', db], config);
      expect(runs.stdout).toContain('running (interrupted)');
      expect(runs.stdout).toContain('its lease ran out (its process is gone, or stopped renewing it)');
      expect(runs.stdout).toContain('swarm run --resume <run>');
      // The dashboard's run page is told why (it words it as show does).
      const store = new SqliteStore(db);
      try {
        expect(runStateNow(store, store.getRunListing(runId)!, commandLineFor(undefined, db))).toMatchObject({ interrupted: true, interruption: 'expired', resumeCommand: `swarm run --resume ${runId} --db ${db}` });
      } finally {
        store.close();
      }

      child.kill('SIGKILL');
      await child.exited;
      const dead = await swarm(['show', runId, '--db', db], config);
      expect(dead.stdout).toContain('running, interrupted: its process is gone; take it up with `swarm run --resume');
    } finally {
      child.kill('SIGKILL');
      await child.exited;
    }
  }, TIMEOUT);
});
