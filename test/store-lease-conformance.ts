/**
 * Run leases, as every SwarmStore must keep them (src/store/run-lease.ts): taking one with a new
 * run, claiming (a compare-and-set on the epoch, by the store's clock for expiry), renewing, and
 * fencing a group commit by epoch. Part of the conformance suite (store-conformance.ts), so it
 * runs against SQLite, the memory store and PostgreSQL alike.
 */
import { describe, expect, test } from 'bun:test';
import { RunNotFoundError } from '../src/errors.ts';
import type { LeaseClaim } from '../src/store/run-lease.ts';
import type { NewRun, SwarmStore } from '../src/store/types.ts';
import { batch, newRun, newTask, transition } from './store-conformance.ts';

const A = 'host-a:100:1';
const B = 'host-b:200:2';
const LONG = 60_000;

/** Polls the store until the run's lease has expired by its own clock (bounded). */
async function untilExpired(store: SwarmStore, runId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const left = store.getRunLease(runId)?.expiresInMs;
    if (left !== null && left !== undefined && left <= 0) return;
    if (Date.now() > deadline) throw new Error(`the lease of ${runId} did not expire within 5 s (left: ${left} ms)`);
    await Bun.sleep(10);
  }
}

const claim = (owner: string, fromEpoch: number, overrides: Partial<LeaseClaim> = {}): LeaseClaim => ({
  owner,
  leaseMs: LONG,
  fromEpoch,
  onlyIfExpired: false,
  ...overrides,
});

export function runLeaseConformance(store: () => SwarmStore): void {
  /** A run with tasks a and b, leased to A (epoch 1) unless `leaseMs` is null. */
  function seed(id: string, leaseMs: number | null = LONG, overrides: Partial<NewRun> = {}): void {
    store().createRun(
      newRun(id, { totalTasks: 2, ...overrides }),
      [newTask(id, 'a'), newTask(id, 'b')],
      leaseMs === null ? undefined : { owner: A, leaseMs },
    );
  }

  describe('run leases', () => {
    test('a run created with a lease has epoch 1 and the lease length left; one created without has none', () => {
      seed('r1');
      const lease = store().getRunLease('r1')!;
      expect(lease).toMatchObject({ owner: A, epoch: 1 });
      expect(lease.expiresInMs).toBeGreaterThan(LONG - 5_000);
      expect(lease.expiresInMs).toBeLessThanOrEqual(LONG);
      seed('r2', null);
      expect(store().getRunLease('r2')).toBeNull();
      expect(store().getRunLease('nope')).toBeNull();
    });

    test('a claim is a compare-and-set on the epoch: +1 each time, a stale epoch loses', () => {
      seed('r1', null);
      expect(store().claimRunLease('r1', claim(A, 0))).toBe(1);
      expect(store().claimRunLease('r1', claim(B, 0))).toBeNull();
      expect(store().claimRunLease('r1', claim(B, 1))).toBe(2);
      expect(store().claimRunLease('r1', claim(A, 1))).toBeNull();
      expect(store().getRunLease('r1')).toMatchObject({ owner: B, epoch: 2 });
      expect(() => store().claimRunLease('nope', claim(A, 0))).toThrow(RunNotFoundError);
      expect(() => store().claimRunLease('r1', claim(A, 2, { leaseMs: 0 }))).toThrow(TypeError);
    });

    test('onlyIfExpired: refused while the lease runs, granted once it has expired by the store clock', async () => {
      seed('r1', 150);
      expect(store().claimRunLease('r1', claim(B, 1, { onlyIfExpired: true }))).toBeNull();
      await untilExpired(store(), 'r1');
      expect(store().claimRunLease('r1', claim(B, 1, { onlyIfExpired: true }))).toBe(2);
      expect(store().getRunLease('r1')).toMatchObject({ owner: B, epoch: 2 });
      expect(store().getRunLease('r1')!.expiresInMs).toBeGreaterThan(0);
    });

    test('renewal extends the leases the owner holds at those epochs, in one call, and says which', async () => {
      seed('r1', 150);
      seed('r2', 150);
      seed('r3', LONG);
      store().claimRunLease('r3', claim(B, 1));
      await untilExpired(store(), 'r1');
      // r1 expired but nobody took it: still A's. r3 is B's now. r4 does not exist.
      const held = store().renewRunLeases(A, [
        { runId: 'r1', epoch: 1 },
        { runId: 'r2', epoch: 1 },
        { runId: 'r3', epoch: 1 },
        { runId: 'r4', epoch: 1 },
      ], LONG);
      expect(held.sort()).toEqual(['r1', 'r2']);
      expect(store().getRunLease('r1')!.expiresInMs).toBeGreaterThan(LONG - 5_000);
      // A renewal defeats a claim that waited for the expiry.
      expect(store().claimRunLease('r1', claim(B, 1, { onlyIfExpired: true }))).toBeNull();
      // Another owner, or the right owner at the wrong epoch, renews nothing.
      expect(store().renewRunLeases(B, [{ runId: 'r1', epoch: 1 }], LONG)).toEqual([]);
      expect(store().renewRunLeases(A, [{ runId: 'r1', epoch: 2 }], LONG)).toEqual([]);
      expect(store().renewRunLeases(A, [], LONG)).toEqual([]);
    });

    test('a fenced commit writes nothing of the fenced run, and the rest of the batch', () => {
      seed('mine');
      seed('lost');
      seed('unleased', null);
      store().claimRunLease('lost', claim(B, 1));
      const outcome = store().commit(
        batch({
          transitions: [
            transition('mine', { event: 'E1' }),
            transition('lost', { event: 'E2' }),
            transition('lost', { actorId: 'coordinator:lost', actorKind: 'coordinator', event: 'run.tasksSettled' }),
            transition('lost', { actorId: 'node:local', actorKind: 'node', event: 'node.attemptsEnded' }),
            transition('unleased', { event: 'E3' }),
            transition(null, { actorId: 'dispatcher', actorKind: 'dispatcher', event: 'dispatcher.ready' }),
          ],
          tasks: [
            { runId: 'mine', name: 'a', status: 'running' },
            { runId: 'lost', name: 'a', status: 'succeeded' },
          ],
          runs: [{ id: 'lost', status: 'succeeded' }, { id: 'mine', completedTasks: 1 }],
          nodes: [{ id: 'n1', kind: 'local', status: 'busy', capacity: 1, running: 1, capabilities: [], lastSeenAt: 1, startedAt: 1 }],
          fencing: {
            runs: [
              { runId: 'mine', epoch: 1 },
              { runId: 'lost', epoch: 1 },
              { runId: 'unleased', epoch: 1 },
            ],
          },
        }),
      );
      expect(outcome.duplicate).toBe(false);
      expect([...outcome.fenced].sort((x, y) => x.runId.localeCompare(y.runId))).toEqual([
        { runId: 'lost', heldEpoch: 1, owner: B, epoch: 2 },
        { runId: 'unleased', heldEpoch: 1, owner: null, epoch: null },
      ]);
      expect(store().getTransitions('mine').map((t) => t.event)).toEqual(['E1']);
      expect(store().getTask('mine', 'a')!.status).toBe('running');
      expect(store().getRun('mine')!.completedTasks).toBe(1);
      // Nothing of the fenced runs; the node row naming one is kept without its run id.
      expect(store().getTransitions('lost')).toEqual([]);
      expect(store().getTransitions('unleased')).toEqual([]);
      expect(store().getTask('lost', 'a')!.status).toBe('pending');
      expect(store().getRun('lost')!.status).toBe('running');
      expect(store().counts().transitions).toBe(3);
      expect(store().listNodes().map((n) => n.id)).toEqual(['n1']);
    });

    test('a resent batch that had landed is recognised and written once; one that had not is written', () => {
      seed('r1');
      const sent = (event: string, attempts: number) =>
        batch({
          transitions: [transition('r1', { event, at: attempts }), transition('r1', { event: `${event}'`, at: attempts })],
          tasks: [{ runId: 'r1', name: 'a', attempts }],
          fencing: { runs: [{ runId: 'r1', epoch: 1 }] },
        });
      expect(store().commit(sent('E1', 1))).toEqual({ fenced: [], duplicate: false });
      // Its answer was lost: sent again, marked so.
      const again = sent('E1', 1);
      again.fencing!.resent = true;
      expect(store().commit(again)).toEqual({ fenced: [], duplicate: true });
      // A resent batch that had not landed (the journal does not end with it) is written.
      const lost = sent('E2', 2);
      lost.fencing!.resent = true;
      expect(store().commit(lost)).toEqual({ fenced: [], duplicate: false });
      expect(store().getTransitions('r1').map((t) => t.event)).toEqual(['E1', "E1'", 'E2', "E2'"]);
      expect(store().getTask('r1', 'a')!.attempts).toBe(2);
    });

    test('a new holder writes under its own epoch; an unfenced batch is written whatever the leases say', () => {
      seed('r1');
      store().commit(batch({ transitions: [transition('r1', { event: 'old' })], fencing: { runs: [{ runId: 'r1', epoch: 1 }] } }));
      expect(store().claimRunLease('r1', claim(B, 1))).toBe(2);
      const outcome = store().commit(batch({ transitions: [transition('r1', { event: 'new' })], fencing: { runs: [{ runId: 'r1', epoch: 2 }] } }));
      expect(outcome).toEqual({ fenced: [], duplicate: false });
      const stale = store().commit(batch({ transitions: [transition('r1', { event: 'stale' })], fencing: { runs: [{ runId: 'r1', epoch: 1 }] } }));
      expect(stale.fenced).toEqual([{ runId: 'r1', heldEpoch: 1, owner: B, epoch: 2 }]);
      store().commit(batch({ transitions: [transition('r1', { event: 'tool' })] }));
      expect(store().getTransitions('r1').map((t) => t.event)).toEqual(['old', 'new', 'tool']);
    });

    test('a lease goes with its run; bad lease lengths are refused', () => {
      seed('r1', LONG, { status: 'succeeded' });
      store().deleteFinishedRunsBefore(Number.MAX_SAFE_INTEGER);
      seed('r1', null);
      expect(store().getRunLease('r1')).toBeNull();
      expect(() => store().createRun(newRun('r2'), [], { owner: A, leaseMs: -1 })).toThrow(TypeError);
      expect(store().getRun('r2')).toBeUndefined();
      expect(() => store().renewRunLeases(A, [{ runId: 'r1', epoch: 1 }], 1.5)).toThrow(TypeError);
    });
  });
}
