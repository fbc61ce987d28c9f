/**
 * Leases seen from one dispatcher, in-process. Self-fencing: when it could not renew in time
 * (its main thread stalled past the lease) it hands out no work until a renewal finds the lease
 * still its own. Fencing: a run whose lease passed to another process (the test claims it as
 * another process would after a takeover) is stopped here at the next commit — nothing more
 * written for it, not marked failed or cancelled — and the dispatcher goes on with its other work.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { RunFencedError, SqliteStore } from '../../src/store/index.ts';
import type { RunFence } from '../../src/store/run-lease.ts';
import { makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

/** waitFor with the argument order these tests read best in, and a longer bound. */
const until = (what: string, check: () => boolean, ms = 15_000): Promise<void> => waitFor(check, what, ms);

const chain = (n: number, ms: number) =>
  Array.from({ length: n }, (_, i) => sym(`s${i}`, { parameters: { operation: 'delay', ms }, dependencies: i > 0 ? [`s${i - 1}`] : [] }));

/** A SQLite store that notes when each lease renewal returned (wall clock, as journal rows are). */
class NotedRenewals extends SqliteStore {
  readonly renewedAt: number[] = [];
  override renewRunLeases(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    const held = super.renewRunLeases(owner, leases, leaseMs);
    this.renewedAt.push(Date.now());
    return held;
  }
}

describe('a dispatcher that could not renew its lease in time', () => {
  test('hands out no work until a renewal finds the lease still its own, then goes on', async () => {
    const h = makeHarness({ makeStore: (path) => new NotedRenewals(path), leaseMs: 600, localWorkers: 1, tasksPerThread: 2 });
    const store = h.store as NotedRenewals;
    const wide = Array.from({ length: 60 }, (_, i) => sym(`t${i}`, { parameters: { operation: 'delay', ms: 20 } }));
    const handle = h.deploy(manifest('frozen', wide));
    await until('a few tasks to succeed', () => (h.store.getRunListing(handle.runId)?.completedTasks ?? 0) >= 3);
    // The main thread stalls past the lease (as under SIGSTOP, or a host starved of CPU): no
    // renewal can happen, while the threads finish what they hold.
    const frozeAt = Date.now();
    while (Date.now() - frozeAt < 900) {
      // busy: nothing else runs on this thread
    }
    const thawedAt = Date.now();
    const result = await withTimeout(handle.result, 20_000, 'the run after the stall');
    expect(result.status).toBe('succeeded');
    const renewed = store.renewedAt.find((at) => at >= thawedAt)!;
    expect(renewed).toBeDefined();
    // Between the stall and the first renewal after it, no task was handed to the node.
    const handedOut = h.store
      .getTransitions(handle.runId)
      .filter((t) => t.actorKind === 'task' && t.to === 'assigned' && t.at >= thawedAt && t.at < renewed);
    expect(handedOut).toEqual([]);
    for (const task of result.tasks) expect(task.attempts).toBe(1);
  });
});

describe('a run taken over by another process', () => {
  test('is stopped here at its next commit, and nothing more is written for it', async () => {
    // Its hints name the config and database the dispatcher was started with.
    const h = makeHarness({ commandLine: (words) => `swarm ${words.join(' ')} disp.toml --db state.db` });
    const handle = h.deploy(manifest('taken', chain(30, 20)));
    await until('two tasks to succeed', () => (h.store.getRunListing(handle.runId)?.completedTasks ?? 0) >= 2);

    // Another dispatcher takes the run over (its lease expired there, say).
    const held = h.store.getRunLease(handle.runId)!;
    expect(held.epoch).toBe(1);
    expect(h.store.claimRunLease(handle.runId, { owner: 'elsewhere:1:1', leaseMs: 60_000, fromEpoch: 1, onlyIfExpired: false })).toBe(2);
    const seqAtClaim = h.store.getTransitions(handle.runId).at(-1)!.seq;
    const tasksAtClaim = h.store.getTasks(handle.runId);

    const error = await withTimeout(handle.result.then(() => null, (err: unknown) => err), 10_000, 'the run to be given up');
    expect(error).toBeInstanceOf(RunFencedError);
    expect(error).toMatchObject({ code: 'RUN_FENCED', name: 'RunFencedError', owner: 'elsewhere:1:1', epoch: 2 });
    expect((error as Error).message).toContain('elsewhere:1:1');
    expect((error as Error).message).toContain(`Follow it with \`swarm show ${handle.runId} disp.toml --db state.db\`.`);

    // Not fatal: the dispatcher goes on. Its next run's commits carry on past the fenced one.
    expect(h.dispatcher.failure).toBeNull();
    expect((await h.run(manifest('next', chain(3, 1)))).status).toBe('succeeded');
    // Nothing of the taken run was written after the claim: no journal row, no projection change.
    expect(h.store.getTransitions(handle.runId, { afterSeq: seqAtClaim })).toEqual([]);
    expect(h.store.getTasks(handle.runId)).toEqual(tasksAtClaim);
    expect(h.store.getRun(handle.runId)!.status).toBe('running');
    // The lease stays the other process's.
    expect(h.store.getRunLease(handle.runId)).toMatchObject({ owner: 'elsewhere:1:1', epoch: 2 });
  });
});
