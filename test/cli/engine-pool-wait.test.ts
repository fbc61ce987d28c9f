import { appendFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { fixture, prepareFixtures } from '../backends/helpers.ts';
import { removeTempDirs, sandbox, swarmJson, writeManifest } from './helpers.ts';

/**
 * A warm-engine backend whose pool is smaller than the node's slots: a task's timeout must not
 * run while it waits for a free engine. Real `swarm run`, a real engine process (a stand-in
 * that speaks the protocol, test/fixtures/backends/serve-engine).
 */
setDefaultTimeout(60_000);
beforeAll(prepareFixtures);
afterEach(removeTempDirs);

describe('a persistent backend with pool_size below the node slots', () => {
  test("tasks wait for an engine in the queue, not within their timeout: each gets its whole time", async () => {
    // Before, the node took all four at once and they queued for the one engine inside their
    // attempts: the third and fourth failed TASK_TIMEOUT (the tester's case: the shipped PHP
    // example, pool_size 2 against 8 slots).
    const { dir, config } = sandbox();
    appendFileSync(config, ['', '[backends.rust_injector]', 'enabled = true', `binary_path = "${fixture('serve-engine')}"`, 'mode = "persistent"', 'pool_size = 1', ''].join('\n'));
    const symbols = Array.from({ length: 4 }, (_, i) => `  - {name: q${i}, type: query, dispatch: rust_injector, timeout: 1200, retries: 0, parameters: {do: slow, ms: 400}}`);
    const manifest = writeManifest(dir, 'pool.yaml', ['name: pool', 'symbols:', ...symbols, ''].join('\n'));
    const result = await swarmJson(['run', manifest], config);
    const tasks = result.json.tasks as Array<{ name: string; status: string; error: unknown; output: { pid: number } }>;
    expect(tasks.map((t) => [t.name, t.status, t.error])).toEqual(['q0', 'q1', 'q2', 'q3'].map((n) => [n, 'succeeded', null]));
    expect(new Set(tasks.map((t) => t.output.pid)).size).toBe(1); // one engine served them all
    expect(result.code).toBe(0);
  });
});
