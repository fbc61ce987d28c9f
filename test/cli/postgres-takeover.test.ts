import { SQL } from 'bun';
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { countBySymbol, readLines, waitUntil } from './crash-harness.ts';
import { killDispatchers, startDispatcher, within, type DispatcherProcess } from './dispatcher-process.ts';
import { killWorkers, startWorker } from './worker-process.ts';
import { linesFile, wideManifest } from './postgres-fixtures.ts';
import { removeTempDirs, sandbox, swarmJson } from './helpers.ts';
import { TestSchemas, describeWithPostgres } from '../support/postgres.ts';

/**
 * Two dispatchers on one PostgreSQL database (real processes, one host): a run deployed to the
 * first, which is then SIGKILLed half-way, is taken over by the second within its heartbeat
 * timeout and finished — on their own threads, or on two remote workers that name both
 * dispatchers and move to the survivor; no task that had succeeded runs again, and the journal
 * re-simulates. The dead process is on this host, so the survivor takes the run over as soon
 * as its scan sees it (the same-host fast path); a dispatcher that is alive but stopped renewing
 * its lease is postgres-partition.test.ts.
 */
setDefaultTimeout(120_000);
afterEach(async () => {
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

const TASKS = 2_000;

/**
 * Deploys the manifest to `first`, waits until a quarter of its tasks ran, notes which had
 * succeeded (read before the kill: the survivor may run some again as soon as it is dead), and
 * SIGKILLs `first`.
 */
async function deployAndKill(first: DispatcherProcess, manifest: string, config: string, lines: string) {
  const deployed = await swarmJson(['deploy', manifest, '--detach', '--url', first.url], config);
  expect(deployed.code).toBe(0);
  const runId = deployed.json.runId as string;
  await waitUntil(() => readLines(lines, runId).length >= TASKS / 4, 60_000, 'a quarter of the tasks to run');
  const succeededBefore = await succeededOn(first.url, runId);
  first.child.kill('SIGKILL');
  await within(first.child.exited, 10_000, 'the first dispatcher to die');
  expect(succeededBefore.length).toBeGreaterThan(0);
  expect(succeededBefore.length).toBeLessThan(TASKS);
  return { runId, succeededBefore };
}

/** The run as `url` reports it once it has ended there (bounded). */
async function endedOn(url: string, runId: string): Promise<{ status: string; tasks: { name: string; status: string; node: string }[] }> {
  return within(
    (async () => {
      for (;;) {
        const run = (await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string; tasks: { name: string; status: string; node: string }[] };
        if (run.status !== 'running') return run;
        await Bun.sleep(50);
      }
    })(),
    90_000,
    'the second dispatcher to take the run over and finish it',
  );
}

/** The tasks of the run that have succeeded, as its dispatcher says now. */
async function succeededOn(url: string, runId: string): Promise<{ name: string }[]> {
  const run = (await (await fetch(`${url}/api/runs/${runId}`)).json()) as { tasks: { name: string; status: string }[] };
  return run.tasks.filter((t) => t.status === 'succeeded');
}

describeWithPostgres('two dispatchers on one PostgreSQL database', (url) => {
  const schemas = new TestSchemas(url);
  afterAll(async () => {
    await schemas.dropAll();
  });

  /** A config on a fresh schema of the server, a wide manifest of tasks that append a line each. */
  async function setUp(localWorkers: number) {
    const schema = schemas.next();
    const admin = new SQL(url, { max: 1, connectionTimeout: 5 });
    try {
      await admin.unsafe(`CREATE SCHEMA "${schema}"`);
    } finally {
      await admin.close({ timeout: 1 });
    }
    const storeUrl = `${url}${url.includes('?') ? '&' : '?'}search_path=${schema}`;
    const { dir, config } = sandbox();
    writeFileSync(
      config,
      [
        '[logging]',
        'file = ""',
        '[dispatcher]',
        `local_workers = ${localWorkers}`,
        `state_db_url = "${storeUrl}"`,
        '[coordinator]',
        'heartbeat_interval = 100',
        'heartbeat_timeout = 500',
        '[worker]',
        'heartbeat_interval = 100',
        '',
      ].join('\n'),
    );
    const lines = linesFile(dir);
    // Independent tasks that each take a little while, so the kill lands in the middle.
    const manifest = wideManifest(dir, lines, TASKS, 5);
    return { config, lines, manifest };
  }

  test(`a dispatcher SIGKILLed in the middle of a ${TASKS}-task run: the other one finishes it, nothing that succeeded runs twice`, async () => {
    const { config, lines, manifest } = await setUp(2);
    const first = await startDispatcher(config);
    const second = await startDispatcher(config);
    const { runId, succeededBefore } = await deployAndKill(first, manifest, config, lines);
    const done = await endedOn(second.url, runId);
    expect(done.status).toBe('succeeded');
    expect(done.tasks.every((t) => t.status === 'succeeded')).toBe(true);
    expect(second.stderr()).toContain('resumed an unfinished run');
    // A task that had succeeded before the kill did not run again; one in flight may have.
    const counts = countBySymbol(readLines(lines, runId));
    for (const t of succeededBefore) expect({ task: t.name, runs: counts[t.name] }).toEqual({ task: t.name, runs: 1 });
    expect(Object.keys(counts)).toHaveLength(TASKS);
    // Both dispatchers' rows make one journal the real machines reproduce.
    const simulated = await swarmJson(['replay', runId, '--simulate'], config);
    expect(simulated.json.reproduced).toBe(true);
  });

  test('with two remote workers naming both dispatchers: the workers move to the survivor, which finishes the run', async () => {
    const { config, lines, manifest } = await setUp(0);
    const first = await startDispatcher(config);
    const second = await startDispatcher(config);
    const both = `${first.url.replace(/^http/, 'ws')},${second.url.replace(/^http/, 'ws')}`;
    const workers = [startWorker(config, both, 'w1'), startWorker(config, both, 'w2')];
    await within(
      (async () => {
        while (((await (await fetch(`${first.url}/api/status`)).json()) as { nodes?: { list?: unknown[] } }).nodes?.list?.length !== 2) await Bun.sleep(50);
      })(),
      20_000,
      'both workers to register with the first dispatcher',
    );
    const { runId, succeededBefore } = await deployAndKill(first, manifest, config, lines);
    const done = await endedOn(second.url, runId);
    expect(done.status).toBe('succeeded');
    // Every task ran on one of the two workers, the ones after the kill through the second dispatcher.
    expect(new Set(done.tasks.map((t) => t.node))).toEqual(new Set(['remote:w1', 'remote:w2']));
    const counts = countBySymbol(readLines(lines, runId));
    for (const t of succeededBefore) expect({ task: t.name, runs: counts[t.name] }).toEqual({ task: t.name, runs: 1 });
    expect(Object.keys(counts)).toHaveLength(TASKS);
    expect((await swarmJson(['replay', runId, '--simulate'], config)).json.reproduced).toBe(true);
    // (local_workers = 0: the tasks after the kill ran on workers registered with the second dispatcher.)
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
  });
});
