import { SQL } from 'bun';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { APPEND_MODULE, countBySymbol, readLines, waitUntil } from './crash-harness.ts';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarmJson, writeManifest } from './helpers.ts';
import { TestSchemas, describeWithPostgres } from '../support/postgres.ts';

/**
 * Two dispatchers on one PostgreSQL database (real processes, one host): a run deployed to the
 * first, which is then SIGKILLed half-way, is taken over by the second within its heartbeat
 * timeout and finished; no task that had succeeded runs again, and the journal re-simulates.
 * (Across hosts a dispatcher cannot tell whether another is alive: that needs leases, which are
 * not built yet.)
 */
setDefaultTimeout(120_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

const TASKS = 2_000;

describeWithPostgres('two dispatchers on one PostgreSQL database', (url) => {
  const schemas = new TestSchemas(url);
  afterAll(async () => {
    await schemas.dropAll();
  });

  test(`a dispatcher SIGKILLed in the middle of a ${TASKS}-task run: the other one finishes it, nothing that succeeded runs twice`, async () => {
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
        'local_workers = 2',
        `state_db_url = "${storeUrl}"`,
        '[coordinator]',
        'heartbeat_interval = 100',
        'heartbeat_timeout = 500',
        '[worker]',
        'heartbeat_interval = 100',
        '',
      ].join('\n'),
    );
    const first = await startDispatcher(config);
    const second = await startDispatcher(config);
    const lines = join(dir, 'lines.txt');
    // Independent tasks that each take a little while, so the kill lands in the middle.
    const symbols = Array.from({ length: TASKS }, (_, i) =>
      [
        `  - name: t${i}`,
        '    type: action',
        '    parameters:',
        '      operation: module',
        `      module: ${JSON.stringify(APPEND_MODULE)}`,
        `      file: ${JSON.stringify(lines)}`,
        '      sleepBefore: 5',
        '      sleepAfter: 5',
      ].join('\n'),
    );
    const manifest = writeManifest(dir, 'wide.yaml', `name: wide\nsymbols:\n${symbols.join('\n')}\n`);
    const deployed = await swarmJson(['deploy', manifest, '--detach', '--url', first.url], config);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;

    await waitUntil(() => readLines(lines, runId).length >= TASKS / 4, 60_000, 'a quarter of the tasks to run');
    first.child.kill('SIGKILL');
    await within(first.child.exited, 10_000, 'the first dispatcher to die');
    const succeededBefore = (await swarmJson(['show', runId], config)).json.tasks.filter((t: { status: string }) => t.status === 'succeeded');
    expect(succeededBefore.length).toBeGreaterThan(0);
    expect(succeededBefore.length).toBeLessThan(TASKS);

    const done = await within(
      (async () => {
        for (;;) {
          const run = (await (await fetch(`${second.url}/api/runs/${runId}`)).json()) as { status: string; tasks: { name: string; status: string }[] };
          if (run.status !== 'running') return run;
          await Bun.sleep(50);
        }
      })(),
      60_000,
      'the second dispatcher to take the run over and finish it',
    );
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
});
