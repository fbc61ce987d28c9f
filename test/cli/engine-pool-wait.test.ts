import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { fixture, prepareFixtures } from '../backends/helpers.ts';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarmJson, writeManifest } from './helpers.ts';
import { killWorkers, remoteOnlyConfig, startWorker, waitForNodeIds } from './worker-process.ts';

/**
 * A warm-engine backend whose pool is smaller than the node's slots: a task's timeout must not
 * run while it waits for a free engine. Real `swarm run`, a real engine process (a stand-in
 * that speaks the protocol, test/fixtures/backends/serve-engine).
 */
setDefaultTimeout(60_000);
beforeAll(prepareFixtures);
afterEach(async () => {
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

const POOL_OF_ONE = ['[backends.rust_injector]', 'enabled = true', `binary_path = "${fixture('serve-engine')}"`, 'mode = "persistent"', 'pool_size = 1'];
// Each task takes 700 ms of its 2,000: the first's also covers the engine's start (a loaded
// machine's slow one too), while the fourth, queued inside its attempt behind three, would
// need 2,800.
const slowSymbols = (n: number) =>
  Array.from({ length: n }, (_, i) => `  - {name: q${i}, type: query, dispatch: rust_injector, timeout: 2000, retries: 0, parameters: {do: slow, ms: 700}}`);

describe('a persistent backend with pool_size below the node slots', () => {
  test("tasks wait for an engine in the queue, not within their timeout: each gets its whole time", async () => {
    // Before, the node took all four at once and they queued for the one engine inside their
    // attempts: the third and fourth failed TASK_TIMEOUT (the tester's case: the shipped PHP
    // example, pool_size 2 against 8 slots).
    const { dir, config } = sandbox();
    appendFileSync(config, ['', ...POOL_OF_ONE, ''].join('\n'));
    const manifest = writeManifest(dir, 'pool.yaml', ['name: pool', 'symbols:', ...slowSymbols(4), ''].join('\n'));
    const result = await swarmJson(['run', manifest], config);
    const tasks = result.json.tasks as Array<{ name: string; status: string; error: unknown; output: { pid: number } }>;
    expect(tasks.map((t) => [t.name, t.status, t.error])).toEqual(['q0', 'q1', 'q2', 'q3'].map((n) => [n, 'succeeded', null]));
    expect(new Set(tasks.map((t) => t.output.pid)).size).toBe(1); // one engine served them all
    expect(result.code).toBe(0);
  });

  test("on a remote worker too: its hello says the pool's size, and the dispatcher sends no more than it has engines", async () => {
    // Before, the dispatcher saw only the worker's slots (4 here) and sent all four at once; the
    // last waited on the worker for the one engine inside its timeout.
    const { dir, config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    const workerConfig = join(dir, 'pooled.toml');
    const fourSlots = readFileSync(config, 'utf8').replace('max_concurrent_tasks = 2', 'max_concurrent_tasks = 4');
    writeFileSync(workerConfig, `${fourSlots}\n${POOL_OF_ONE.join('\n')}\n`);
    startWorker(workerConfig, d.url, 'pooled');
    await waitForNodeIds(d.url, ['remote:pooled']);
    const manifest = writeManifest(dir, 'pool.yaml', ['name: pool', 'symbols:', ...slowSymbols(4), ''].join('\n'));
    const result = await swarmJson(['deploy', manifest, config, '--url', d.url]);
    const tasks = result.json.tasks as Array<{ name: string; status: string; error: unknown; node: string }>;
    expect(tasks.map((t) => [t.name, t.status, t.error, t.node])).toEqual(['q0', 'q1', 'q2', 'q3'].map((n) => [n, 'succeeded', null, 'remote:pooled']));
    expect(result.code).toBe(0);
  });
});
