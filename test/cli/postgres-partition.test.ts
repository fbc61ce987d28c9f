/**
 * Two dispatchers on one PostgreSQL database (real processes). The one hosting a run is
 * SIGSTOPped: its process stays alive (so no liveness check can free the run), it just stops
 * renewing its lease — as a dispatcher cut off from the database, or frozen, would. The other
 * takes the run over once the lease has expired by the server's clock, and finishes it. Then
 * the first is let go on (SIGCONT): it finds itself fenced, says who took the run, and writes
 * nothing more for it; no task that had succeeded runs twice; the journal re-simulates.
 */
import { SQL } from 'bun';
import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { countBySymbol, readLines } from './crash-harness.ts';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarmJson } from './helpers.ts';
import { linesFile, runOn, until, wideManifest, writeDispatcherConfig } from './postgres-fixtures.ts';
import { TestSchemas, describeWithPostgres } from '../support/postgres.ts';
import { QuickStreak } from '../../actors/quick-streak.ts';

setDefaultTimeout(180_000);
const TASKS = 2_000;
/**
 * What one dispatcher's threads can hold at once: local_workers × tasks_per_thread (default 4),
 * several times over while tasks are quick (actors/quick-streak.ts).
 */
const HELD = 2 * 4 * QuickStreak.HELD_PER_SLOT;
const stopped: number[] = [];

afterEach(async () => {
  // A stopped process cannot die of SIGKILL until it is let go on.
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
  await killDispatchers();
  removeTempDirs();
});

describeWithPostgres('two dispatchers on one PostgreSQL database, one of them cut off', (url) => {
  const schemas = new TestSchemas(url);
  const admin = new SQL(url, { max: 2, connectionTimeout: 5 });
  afterAll(async () => {
    await admin.close({ timeout: 1 });
    await schemas.dropAll();
  });

  test(`the owner SIGSTOPped mid-run: the other takes the run over when the lease expires and finishes it; the first, let go on, is fenced`, async () => {
    const schema = schemas.next();
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
    const storeUrl = `${url}${url.includes('?') ? '&' : '?'}search_path=${schema}`;
    const { dir, config } = sandbox();
    writeDispatcherConfig(config, { storeUrl, localWorkers: 2, leaseMs: 1_500 });
    const lines = linesFile(dir);
    const manifest = wideManifest(dir, lines, TASKS, 5);
    const first = await startDispatcher(config);
    const second = await startDispatcher(config);
    const lease = async (runId: string) =>
      (await admin.unsafe(`SELECT owner, epoch FROM "${schema}".run_owners WHERE run_id = $1`, [runId]))[0] as { owner: string; epoch: number };

    const deployed = await swarmJson(['deploy', manifest, '--detach', '--url', first.url], config);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    const firstOwner = (await lease(runId)).owner;
    expect((await lease(runId)).epoch).toBe(1);
    await until('a quarter of the tasks to run', () => (readLines(lines, runId).length >= TASKS / 4 ? true : undefined));
    const succeededBefore = (await runOn(first.url, runId)).tasks.filter((t) => t.status === 'succeeded').map((t) => t.name);

    first.child.kill('SIGSTOP');
    stopped.push(first.child.pid);
    // Alive all along: only the lease can move the run.
    const taken = await until('the second dispatcher to take the run over', async () => {
      const now = await lease(runId);
      return now.owner !== firstOwner ? now : undefined;
    });
    expect(() => process.kill(first.child.pid, 0)).not.toThrow();
    expect(taken.epoch).toBe(2);
    await until('the second dispatcher to log the takeover', () => (second.stderr().includes('resumed an unfinished run') ? true : undefined));
    // Taken because the lease expired (the process being alive, and on this host).
    expect(second.stderr()).toContain('why: "expired"');
    const done = await until('the second dispatcher to finish the run', async () => {
      const run = await runOn(second.url, runId);
      return run.status === 'running' ? undefined : run;
    }, 120_000);
    expect(done.status).toBe('succeeded');
    // The second's last rows of the run (its node and its dispatcher actor going idle, whose
    // payloads name the run) land a commit after the run's final row: wait for them, or they
    // would count as written by the first.
    await until('the second dispatcher to commit its last row of the run', async () => {
      const rows = await admin.unsafe(
        `SELECT 1 FROM "${schema}".transitions WHERE run_id = $1 AND actor_kind = 'dispatcher' AND event = 'dispatcher.runFinished'`,
        [runId],
      );
      return rows.length > 0 ? true : undefined;
    });
    const journal = await admin.unsafe(`SELECT count(*)::int AS n, max(seq)::float8 AS last FROM "${schema}".transitions WHERE run_id = $1`, [runId]);

    // Let the first go on: it learns the run is no longer its own.
    const linesAtCont = readLines(lines, runId).length;
    first.child.kill('SIGCONT');
    stopped.splice(stopped.indexOf(first.child.pid), 1);
    await until('the first dispatcher to say the run was taken over', () => (first.stderr().includes('run taken over by') ? true : undefined));
    expect(first.stderr()).toContain(taken.owner);
    await until('the first dispatcher to host nothing', async () => {
      const body = (await (await fetch(`${first.url}/api/status`)).json()) as { workflows: { active: number } };
      return body.workflows.active === 0 ? true : undefined;
    });
    // It works on: a run deployed to it now makes it commit whatever it still had buffered.
    const small = wideManifest(dir, `${lines}.small`, 3, 1);
    const after = await swarmJson(['deploy', small, '--url', first.url], config);
    expect(after.code).toBe(0);

    // Nothing more of the taken run was written by the first: the journal is as the second left it.
    const journalNow = await admin.unsafe(`SELECT count(*)::int AS n, max(seq)::float8 AS last FROM "${schema}".transitions WHERE run_id = $1`, [runId]);
    expect(journalNow).toEqual(journal);
    expect((await runOn(second.url, runId)).status).toBe('succeeded');

    // No task that had succeeded ran again. Those the first had handed to its threads before the
    // stop — running, or done or assigned since its last commit — may have run on both (at least
    // once), never more than twice.
    const counts = countBySymbol(readLines(lines, runId));
    expect(Object.keys(counts)).toHaveLength(TASKS);
    for (const name of succeededBefore) expect({ task: name, runs: counts[name] }).toEqual({ task: name, runs: 1 });
    expect(Object.entries(counts).filter(([, n]) => n > 2)).toEqual([]);
    // After SIGCONT only what its threads already held could still write a line (their timers
    // were all due); handing out anything new would have meant more than they can hold.
    expect(readLines(lines, runId).length - linesAtCont).toBeLessThanOrEqual(HELD);
    // Both dispatchers' rows make one journal the real machines reproduce.
    expect((await swarmJson(['replay', runId, '--simulate'], config)).json.reproduced).toBe(true);
    await within(first.stop(), 30_000, 'the first dispatcher to stop');
  });
});
