import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { newRun, newTask } from '../store-conformance.ts';
import { firstLine } from './dispatcher-process.ts';
import { killChildren, removeTempDirs, sandbox, spawnCli } from './helpers.ts';
import { DEAD_OWNER } from '../support/dead-owner.ts';

/**
 * `swarm dashboard CONFIG --db DB` says how to take up an interrupted run with the config and
 * database it was started with, as every hint the CLI prints does: the page's hint read
 * `swarm run --resume <id>` alone, which finds the default database (or none), not this one.
 */

setDefaultTimeout(30_000);
const children: ReturnType<typeof spawnCli>[] = [];
afterEach(async () => {
  await killChildren(children);
  removeTempDirs();
});


describe('swarm dashboard and an interrupted run', () => {
  test('the run state and the runs list carry the resume command with its config and --db', async () => {
    const { config, db } = sandbox();
    const store = new SqliteStore(db);
    store.createRun(newRun('held', { totalTasks: 1 }), [newTask('held', 'a')], { owner: DEAD_OWNER, leaseMs: 60_000 });
    store.close();
    // The config as an argument (no SWARM_CONFIG), as a person types it.
    const child = spawnCli(['dashboard', config, '--db', db, '--port', '0', '--json'], undefined);
    children.push(child);
    const { url } = JSON.parse(await firstLine(child, 'dashboard')) as { url: string };
    const expected = `swarm run --resume held ${config} --db ${db}`;
    const state = (await (await fetch(`${url}/api/runs/held/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ interrupted: true, resumeCommand: expected });
    const listed = ((await (await fetch(`${url}/api/runs`)).json()) as { runs: Record<string, unknown>[] }).runs;
    expect(listed.find((r) => r.runId === 'held')).toMatchObject({ interrupted: true, resumeCommand: expected });
  });

  test('a config from SWARM_CONFIG is named too, as the CLI names it in hints', async () => {
    const { config, db } = sandbox();
    const store = new SqliteStore(db);
    store.createRun(newRun('held', { totalTasks: 1 }), [newTask('held', 'a')], { owner: DEAD_OWNER, leaseMs: 60_000 });
    store.close();
    const child = spawnCli(['dashboard', '--db', db, '--port', '0', '--json'], config);
    children.push(child);
    const { url } = JSON.parse(await firstLine(child, 'dashboard')) as { url: string };
    const state = (await (await fetch(`${url}/api/runs/held/state`)).json()) as Record<string, unknown>;
    expect(state.resumeCommand).toBe(`swarm run --resume held ${config} --db ${db}`);
  });
});
