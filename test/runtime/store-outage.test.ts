/**
 * A state database that goes away mid-run and comes back (in-process: UnreliableStore fails as
 * a PostgreSQL store does when its connection drops). The dispatcher holds its runs, keeps what
 * it could not commit, retries, and finishes the run once the store answers: every task once,
 * nothing committed lost, no row written twice, the journal re-simulates. An outage longer
 * than db_outage_timeout ends as a failed write always did.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { reSimulate } from '../../actors/journal/simulation/re-simulate.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import { SqliteStore } from '../../src/store/index.ts';
import type { SwarmStore } from '../../src/store/types.ts';
import { makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout } from './helpers.ts';
import { UnreliableStore } from './unreliable-store.ts';

afterEach(stopHarnesses);

/** waitFor with the argument order these tests read best in, and a longer bound. */
const until = (what: string, check: () => boolean, ms = 15_000): Promise<void> => waitFor(check, what, ms);

function expectReproduces(store: SwarmStore, runId: string): void {
  const run = store.getRun(runId)!;
  const report = reSimulate({
    runId,
    manifest: run.manifest as Manifest,
    transitions: store.getTransitions(runId),
    stored: { run, tasks: store.getTasks(runId) },
  });
  expect(report.divergence?.message ?? null).toBeNull();
}

const wide = (n: number, ms: number) => Array.from({ length: n }, (_, i) => sym(`t${i}`, { parameters: { operation: 'delay', ms } }));

describe('a state database that goes away and comes back', () => {
  test('dispatching is held and nothing is lost; the run finishes once it answers, every task once', async () => {
    const h = makeHarness({ makeStore: (path) => new UnreliableStore(path), leaseMs: 1_500, outageMs: 30_000, localWorkers: 1, tasksPerThread: 2 });
    const store = h.store as UnreliableStore;
    const handle = h.deploy(manifest('outage', wide(16, 60)));
    await until('a few tasks to succeed', () => (h.store.getRunListing(handle.runId)?.completedTasks ?? 0) >= 3);

    // The next commit lands but its answer is lost with the connection, and the server is gone.
    store.loseAnswerThenGoDown();
    await until('the dispatcher to report the outage', () => h.dispatcher.storeOutage !== null);
    expect(h.dispatcher.failure).toBeNull();
    // What was running finishes on its node; nothing new is handed out.
    await until('the attempts in flight to end', () => {
      const { live } = handle.progress();
      return (live.assigned ?? 0) + (live.running ?? 0) === 0;
    });
    const held = handle.progress();
    await until('several retries', () => (h.dispatcher.storeOutage?.attempts ?? 0) >= 3);
    const { live } = handle.progress();
    expect((live.assigned ?? 0) + (live.running ?? 0)).toBe(0);
    expect(handle.progress().settled).toBe(held.settled);
    // Every task of this run succeeds: what settled during the outage counts as succeeded, not
    // as the stored row has it from before (status and /metrics read these counts).
    expect(handle.progress()).toMatchObject({ succeeded: held.settled, failed: 0 });
    expect(h.dispatcher.storeOutage).toMatchObject({ error: expect.stringContaining('connection was closed') });
    // A new run is refused meanwhile, as unavailable.
    expect(() => h.deploy(manifest('meanwhile', wide(1, 1)))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));

    store.down = false;
    const result = await withTimeout(handle.result, 20_000, 'the run after the store came back');
    expect(result.status).toBe('succeeded');
    expect(h.dispatcher.storeOutage).toBeNull();
    // The commit whose answer was lost was sent again and recognised: written once.
    expect(store.duplicates).toBe(1);
    for (const task of h.store.getTasks(handle.runId)) expect({ task: task.name, attempts: task.attempts }).toEqual({ task: task.name, attempts: 1 });
    const succeededRows = h.store.getTransitions(handle.runId).filter((t) => t.actorKind === 'task' && t.to === 'succeeded');
    expect(succeededRows).toHaveLength(16);
    expectReproduces(h.store, handle.runId);
    // And the dispatcher goes on taking runs.
    expect((await h.run(manifest('after', wide(2, 1)))).status).toBe('succeeded');
  });

  test('a run taken over by another process during the outage is given up when the store comes back, fenced', async () => {
    const h = makeHarness({ makeStore: (path) => new UnreliableStore(path), leaseMs: 1_500, outageMs: 30_000 });
    const store = h.store as UnreliableStore;
    const handle = h.deploy(manifest('moved', wide(40, 30)));
    await until('a task to succeed', () => (h.store.getRunListing(handle.runId)?.completedTasks ?? 0) >= 1);
    store.down = true;
    await until('the dispatcher to report the outage', () => h.dispatcher.storeOutage !== null);
    // Meanwhile another process, which still reaches the database, takes the run over.
    const other = new SqliteStore(h.dbPath);
    try {
      const epoch = other.getRunLease(handle.runId)!.epoch;
      expect(other.claimRunLease(handle.runId, { owner: 'elsewhere:9:9', leaseMs: 60_000, fromEpoch: epoch, onlyIfExpired: false })).toBe(epoch + 1);
      const seqAtClaim = other.getTransitions(handle.runId).at(-1)!.seq;
      store.down = false;
      const error = await withTimeout(handle.result.then(() => null, (err: unknown) => err), 10_000, 'the run to be given up');
      expect(error).toMatchObject({ code: 'RUN_FENCED', owner: 'elsewhere:9:9' });
      // What it held for the run was not written; the dispatcher goes on.
      expect(other.getTransitions(handle.runId, { afterSeq: seqAtClaim })).toEqual([]);
      expect(h.dispatcher.failure).toBeNull();
      expect((await h.run(manifest('after', wide(2, 1)))).status).toBe('succeeded');
    } finally {
      other.close();
    }
  });

  test('an outage longer than db_outage_timeout: the run stops with STORE_UNAVAILABLE and no run is accepted', async () => {
    const h = makeHarness({ makeStore: (path) => new UnreliableStore(path), leaseMs: 1_500, outageMs: 300 });
    const store = h.store as UnreliableStore;
    const handle = h.deploy(manifest('doomed', wide(40, 30)));
    await until('a task to succeed', () => (h.store.getRunListing(handle.runId)?.completedTasks ?? 0) >= 1);
    store.down = true;
    const error = await withTimeout(handle.result.then(() => null, (err: unknown) => err), 10_000, 'the run to stop');
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(h.dispatcher.failure).not.toBeNull();
    expect(h.dispatcher.storeOutage).toBeNull();
    // It says it gave up, in words a client may read (not the driver's, not SQLite's disk wording).
    expect(() => h.deploy(manifest('next', wide(1, 1)))).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE', name: 'DispatcherGaveUpError', message: expect.stringContaining('longer than [dispatcher] db_outage_timeout') }),
    );
    // Given up for good: its scan for unfinished runs takes up nothing and starts no new outage
    // (whose retries would renew the leases of the runs it abandoned).
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    expect(h.dispatcher.storeOutage).toBeNull();
    store.down = false;
  });

  test('a task that ends during the outage counts as settled (not queued) while its commit waits', async () => {
    const h = makeHarness({ makeStore: (path) => new UnreliableStore(path), leaseMs: 1_500, outageMs: 30_000 });
    const store = h.store as UnreliableStore;
    const handle = h.deploy(
      manifest('ends-during', [
        sym('short', { parameters: { operation: 'delay', ms: 300 } }),
        sym('after', { dependencies: ['short'], parameters: { operation: 'noop' } }),
        sym('long', { parameters: { operation: 'delay', ms: 2_000 } }),
      ]),
    );
    const running = (name: string) => h.store.getTask(handle.runId, name)?.status === 'running';
    await until('short and long to run', () => running('short') && running('long'));
    store.down = true;
    // `short` ends on its thread; with a dependent waiting on it, it settles only once its
    // terminal state is committed: it waits in memory for the store.
    await until('short to end in memory', () => handle.progress().live.succeeded === 1);
    expect(handle.progress()).toMatchObject({ settled: 1, succeeded: 1, failed: 0, total: 3 });
    store.down = false;
    const result = await withTimeout(handle.result, 20_000, 'the run after the outage');
    expect(result.status).toBe('succeeded');
  });

  test('an idle dispatcher learns of an outage from its scan for unfinished runs, waits it out past db_outage_timeout, and works after it', async () => {
    const h = makeHarness({ makeStore: (path) => new UnreliableStore(path), leaseMs: 1_500, outageMs: 300 });
    const store = h.store as UnreliableStore;
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    expect(h.dispatcher.storeOutage).toBeNull();
    store.down = true;
    // Nothing else of an idle dispatcher asks the store: before, the scan threw each time and
    // the dispatcher went on reporting itself healthy.
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    expect(h.dispatcher.storeOutage).toMatchObject({ error: expect.stringContaining('the server is down') });
    expect(h.dispatcher.failure).toBeNull();
    expect(() => h.deploy(manifest('held', wide(1, 1)))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
    // The retries ask the store itself, so the outage lasts while it is down; with no run held,
    // past db_outage_timeout too (giving up would leave it refusing runs until a restart).
    const since = h.dispatcher.storeOutage!.since;
    expect(h.dispatcher.storeOutage!.givesUpAt).toBeNull();
    await until('retries past the limit', () => (h.dispatcher.storeOutage?.attempts ?? 0) >= 3 && Date.now() - since > 900);
    expect(h.dispatcher.storeOutage).not.toBeNull();
    expect(h.dispatcher.failure).toBeNull();
    store.down = false;
    await until('the outage to end', () => h.dispatcher.storeOutage === null);
    const result = await withTimeout(h.run(manifest('after', wide(2, 1))), 10_000, 'a run after the outage');
    expect(result.status).toBe('succeeded');
  });
});
