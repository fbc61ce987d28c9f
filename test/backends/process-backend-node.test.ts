import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { SimulatedClock } from 'xstate';
import type { AttemptSink } from '../../actors/node-runtime.ts';
import { ProcessBackendNode } from '../../actors/process-backend-node.ts';
import type { ExecutionOutcome } from '../../src/execution.ts';
import type { DispatchTarget } from '../../src/manifest/types.ts';
import { fixture, isGone, makeRequest, prepareFixtures, rustSpec, waitUntil } from './helpers.ts';

beforeAll(prepareFixtures);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(node: ProcessBackendNode, attempt: number): Promise<ExecutionOutcome> {
  return new Promise((resolve) => {
    const sink: AttemptSink = { started: () => {}, finished: resolve };
    node.execute(makeRequest({}, { attempt }), sink);
  });
}

describe('ProcessBackendNode', () => {
  test('a backend whose binary goes away is withdrawn after its failure, and offered again once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-backend-node-'));
    dirs.push(dir);
    const binary = join(dir, 'wp_injector');
    copyFileSync(fixture('echo-invocation'), binary);
    const clock = new SimulatedClock();
    const changes: DispatchTarget[][] = [];
    const node = new ProcessBackendNode({
      id: 'local-backends',
      backends: [rustSpec(binary)],
      capacity: 2,
      clock,
      onCapacity: () => {},
      onCapabilitiesChanged: (c) => changes.push(c),
      recheckMs: 1_000,
    });
    expect((await run(node, 1)).ok).toBe(true);

    unlinkSync(binary);
    const failed = await run(node, 2);
    expect(failed).toMatchObject({ ok: false, retryable: false, error: { code: 'BACKEND_UNAVAILABLE' } });
    expect(await waitUntil(() => changes.length === 1, 5_000)).toBe(true);
    expect(changes[0]).toEqual([]);
    expect(node.capabilities.has('rust_injector')).toBe(false);

    copyFileSync(fixture('echo-invocation'), binary);
    clock.increment(1_000); // the next check finds it healthy
    expect(await waitUntil(() => changes.length === 2, 5_000)).toBe(true);
    expect(changes[1]).toEqual(['rust_injector']);
    expect((await run(node, 3)).ok).toBe(true);
    await node.close();
  });
});

describe('ProcessBackendNode with a persistent backend', () => {
  test('runs attempts on warm engines (pool_size defaults to its slots), reports the pool, and ends every engine on close', async () => {
    const node = new ProcessBackendNode({
      id: 'local-backends',
      backends: [{ ...rustSpec(fixture('serve-engine')), persistent: { maxRequests: 100, maxMemoryBytes: 1 << 30 } }],
      capacity: 3,
      clock: new SimulatedClock(),
      onCapacity: () => {},
    });
    const outcomes = await Promise.all([run(node, 1), run(node, 2), run(node, 3), run(node, 4)]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const pids = new Set(outcomes.map((o) => (o as { output: { pid: number } }).output.pid));
    expect(pids.size).toBeLessThanOrEqual(3);
    expect(node.enginePools()).toEqual([
      { backend: 'rust_injector', size: 3, engines: pids.size, busy: 0, recycled: 0, crashed: 0 },
    ]);
    await node.close();
    for (const pid of pids) expect(isGone(pid)).toBe(true);
    expect(node.enginePools()[0]).toMatchObject({ engines: 0 });
  });
});
