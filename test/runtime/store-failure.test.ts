import { afterEach, describe, expect, test } from 'bun:test';
import pino from 'pino';
import { RunRegistry } from '../../src/server/run-registry.ts';
import { statusReport } from '../../src/server/status-report.ts';
import { FailingStore } from './failing-store.ts';
import { makeHarness, stopHarnesses, waitFor, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

/** What `result` rejects with (null if it resolves), waiting at most 10 s. */
function rejectionOf(result: Promise<unknown>): Promise<unknown> {
  return withTimeout(
    result.then(
      () => null,
      (err: unknown) => err,
    ),
    10_000,
    'the run to stop',
  );
}

/** `n` short delays, each depending on the one before. */
function chain(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    type: 'action',
    parameters: { operation: 'delay', ms: 5 },
    dependencies: i > 0 ? [`s${i - 1}`] : [],
  }));
}

describe('a state database that refuses writes', () => {
  test('stops the run with STORE_UNAVAILABLE instead of hanging, and refuses new runs', async () => {
    const h = makeHarness({ makeStore: (path) => new FailingStore(path, 2) });
    const handle = h.deploy({ name: 'doomed-by-disk', symbols: chain(20) });
    const error = await rejectionOf(handle.result);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(String((error as Error).message)).toContain('database or disk is full');
    expect(() => h.deploy({ name: 'next', symbols: [{ name: 'noop', type: 'action' }] })).toThrow(
      /refused a write/,
    );
    // Its status says so (before, it looked like a working dispatcher with a healthy database).
    const registry = new RunRegistry(h.dispatcher, pino({ level: 'silent' }) as never);
    const report = statusReport({ dispatcher: h.dispatcher, registry, store: h.store, version: 'test', startedAt: Date.now(), accepting: () => true });
    expect(report.refusesRuns).toContain('accepts no run until it is restarted');
    // Its look for unfinished runs (every few seconds in a server) finds nothing to do: it said
    // why once, and a log line on every look would bury that.
    await withTimeout(h.stop(), 10_000, 'the dispatcher to stop');
  });

  test('once it has given up, its looks for unfinished runs find nothing to do, its own abandoned run too (it said why once)', async () => {
    const h = makeHarness({ makeStore: (path) => new FailingStore(path, 2), leaseMs: 300 });
    const handle = h.deploy({ name: 'doomed-by-disk', symbols: chain(20) });
    expect(await rejectionOf(handle.result)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // Its lease runs out, so the run is an orphan a look would take up; a server looks every
    // third of the lease, and a log line at each (that it cannot) would bury the one that says why.
    await waitFor(() => (h.store.getRunLease(handle.runId)?.expiresInMs ?? 1) <= 0, 'the abandoned run\'s lease to run out');
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    await withTimeout(h.stop(), 10_000, 'the dispatcher to stop');
  });
});

describe('stopping after the state database failed', () => {
  test('aborts the abandoned attempts, so stop() returns promptly and releases the threads', async () => {
    const h = makeHarness({ makeStore: (path) => new FailingStore(path, 3) });
    const handle = h.deploy({
      name: 'long-then-disk-full',
      symbols: [
        { name: 'long', type: 'action', timeout: 60_000, parameters: { operation: 'delay', ms: 15_000 } },
        { name: 'ticks', type: 'action', parameters: { operation: 'delay', ms: 50 } },
        { name: 'more', type: 'action', dependencies: ['ticks'], parameters: { operation: 'delay', ms: 50 } },
      ],
    });
    const error = await rejectionOf(handle.result);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const started = Date.now();
    await withTimeout(h.stop(), 10_000, 'the dispatcher to stop');
    // The 15 s delay was aborted rather than waited for (a hang guard, not a timing test).
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
