/**
 * A dispatcher whose PostgreSQL server goes away mid-run and comes back (real processes, a
 * private cluster stopped and started with scripts/postgres-up.sh): it says the store is
 * unavailable (log, /health, /api/status, `swarm status`), dispatches nothing meanwhile, keeps
 * what it could not commit, and finishes the run once the server is back — every task run
 * exactly once, nothing committed lost, the journal re-simulates.
 *
 * Needs the server binaries on this host (a remote SWARM_TEST_POSTGRES_URL is not enough: the
 * test stops its own server); skipped without them, except under CI=true, where the script
 * installs them.
 */
import { SQL } from 'bun';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { countBySymbol, readLines } from './crash-harness.ts';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { ROOT, removeTempDirs, sandbox, spawnCli, swarm, swarmJson } from './helpers.ts';
import { linesFile, runOn, until, wideManifest, writeDispatcherConfig } from './postgres-fixtures.ts';

setDefaultTimeout(180_000);
const TASKS = 600;
const script = join(ROOT, 'scripts/postgres-up.sh');
const cluster = { ...process.env, SWARM_POSTGRES_DIR: `/tmp/swarm-pg-outage-${process.pid}` };
const local = existsSync('/usr/lib/postgresql') || process.env.CI === 'true';

afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});
afterAll(() => {
  Bun.spawnSync(['bash', script, 'stop'], { env: cluster });
});

function clusterCommand(...args: string[]): string {
  const result = Bun.spawnSync(['bash', script, ...args], { env: cluster, stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`postgres-up.sh ${args.join(' ')} failed:\n${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

interface StatusBody {
  workflows: { active: number };
  tasks: { running: number };
  database: { counts: unknown; unavailable?: { since: number; attempts: number; error: string } };
}

async function status(url: string): Promise<StatusBody> {
  return (await (await fetch(`${url}/api/status`)).json()) as StatusBody;
}

const title = 'a dispatcher whose PostgreSQL server stops mid-run';
describe.skipIf(!local)(local ? title : `${title} (skipped: no PostgreSQL server binaries here; scripts/postgres-up.sh installs them)`, () => {
  test('reports the store unavailable, holds the run, and finishes it once the server is back: every task once', async () => {
    const url = clusterCommand();
    const { dir, config } = sandbox();
    writeDispatcherConfig(config, { storeUrl: url, localWorkers: 2, leaseMs: 1_500, outageMs: 120_000 });
    const lines = linesFile(dir);
    const manifest = wideManifest(dir, lines, TASKS, 10);
    const dispatcher = await startDispatcher(config);
    // Deployed and followed: the follower rides the outage out with the dispatcher that holds
    // the run (before, it gave up after five seconds of 503s, exit 3, the run still going on).
    const follower = spawnCli(['deploy', manifest, '--json', '--url', dispatcher.url], config);
    const followed = Promise.all([new Response(follower.stdout).text(), new Response(follower.stderr).text(), follower.exited]);
    const runId = await until('the run to be deployed', async () => {
      const { runs } = (await (await fetch(`${dispatcher.url}/api/runs`)).json()) as { runs: { runId: string }[] };
      return runs[0]?.runId;
    });
    await until('a fifth of the tasks to run', () => (readLines(lines, runId).length >= TASKS / 5 ? true : undefined));

    // What is committed before the server goes: the journal so far and the tasks that succeeded.
    const watcher = new SQL(url, { max: 1, connectionTimeout: 5 });
    const journalBefore = (await watcher`SELECT seq::float8 AS seq, actor_id, to_state FROM transitions WHERE run_id = ${runId} ORDER BY seq`) as {
      seq: number;
      actor_id: string;
      to_state: string;
    }[];
    const succeededBefore = (await watcher`SELECT name FROM tasks WHERE run_id = ${runId} AND status = 'succeeded'`).map((r: { name: string }) => r.name);
    await watcher.close({ timeout: 0 });
    expect(succeededBefore.length).toBeGreaterThan(0);

    clusterCommand('down'); // ends every session, then the server stops
    const down = await until('the dispatcher to report the store unavailable', async () => {
      const body = await status(dispatcher.url);
      return body.database.unavailable ? body : undefined;
    });
    expect(down.database.counts).toBeNull();
    expect(down.workflows.active).toBe(1);
    const health = await fetch(`${dispatcher.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', error: { code: 'STORE_UNAVAILABLE' } });
    const shown = await swarm(['status', '--url', dispatcher.url], config);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('State database: UNAVAILABLE since');
    expect(dispatcher.stderr()).toContain('the state database is unavailable');

    // What was running finishes on its thread; nothing new starts while the server is away.
    await until('the attempts in flight to end', async () => ((await status(dispatcher.url)).tasks.running === 0 ? true : undefined));
    const linesHeld = readLines(lines, runId).length;
    await until('several retries', async () => (((await status(dispatcher.url)).database.unavailable?.attempts ?? 0) >= 4 ? true : undefined));
    // Away for longer than a follower that took the dispatcher's 503s for silence waited (5 s).
    await until('the outage to be 6 s old', async () => {
      const since = (await status(dispatcher.url)).database.unavailable?.since;
      return since !== undefined && Date.now() - since > 6_000 ? true : undefined;
    });
    expect((await status(dispatcher.url)).tasks.running).toBe(0);
    expect(readLines(lines, runId).length).toBe(linesHeld);
    expect(linesHeld).toBeLessThan(TASKS);
    // The held run is still under control: paused and resumed while the store is away.
    for (const verb of ['pause', 'resume']) {
      const control = await swarm([verb, runId, '--url', dispatcher.url], config);
      expect({ verb, ...control }).toMatchObject({ verb, code: 0 });
    }

    clusterCommand(); // back, at the same URL
    const done = await until('the run to finish after the server came back', async () => {
      const run = await runOn(dispatcher.url, runId);
      return run.status === 'running' ? undefined : run;
    }, 120_000);
    expect(done.status).toBe('succeeded');
    expect(dispatcher.stderr()).toContain('the state database answers again');
    expect((await status(dispatcher.url)).database.unavailable).toBeUndefined();

    // Every task ran exactly once: the held ones were not lost, none ran again.
    const counts = countBySymbol(readLines(lines, runId));
    expect(Object.keys(counts)).toHaveLength(TASKS);
    expect(Object.entries(counts).filter(([, n]) => n !== 1)).toEqual([]);
    expect(done.tasks.every((t) => t.status === 'succeeded' && t.attempts === 1)).toBe(true);
    // Nothing committed before the outage was lost: the journal then is a prefix of the journal now.
    const reader = new SQL(url, { max: 1, connectionTimeout: 5 });
    const rowsNow = (await reader`SELECT seq::float8 AS seq, actor_id, to_state FROM transitions WHERE run_id = ${runId} ORDER BY seq LIMIT ${journalBefore.length}`) as typeof journalBefore;
    await reader.close({ timeout: 0 });
    expect(rowsNow).toEqual(journalBefore);
    for (const name of succeededBefore) expect(done.tasks.find((t) => t.name === name)?.status).toBe('succeeded');
    expect((await swarmJson(['replay', runId, '--simulate'], config)).json.reproduced).toBe(true);
    const [stdout, stderr, code] = await within(followed, 30_000, 'the follower to end');
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout)).toMatchObject({ runId, status: 'succeeded', completedTasks: TASKS });
  });

  test('swarm run whose server stays away past db_outage_timeout exits 3, naming the run and how to take it up', async () => {
    const url = clusterCommand();
    const { dir, config } = sandbox();
    writeDispatcherConfig(config, { storeUrl: url, localWorkers: 2, leaseMs: 1_500, outageMs: 1_500 });
    const lines = linesFile(dir);
    const child = spawnCli(['run', wideManifest(dir, lines, 200, 20), '--quiet'], config);
    const stderr = new Response(child.stderr).text();
    await until('some tasks to run', () => (readLines(lines).length >= 10 ? true : undefined));
    clusterCommand('down');
    expect(await within(child.exited, 60_000, 'swarm run to give up')).toBe(3);
    const said = await stderr;
    const runId = readLines(lines)[0].runId;
    // Before, only the driver's words: the user had to look the run up to resume it.
    expect(said).toContain(`Run ${runId} stays unfinished in the database`);
    expect(said).toContain(`swarm run --resume ${runId}`);
    clusterCommand(); // back, for whoever comes next
  });
});
