/**
 * RunLeases on its own, with a clock the test moves: self-fencing (a run may act only until the
 * lease minus a margin after the start of the last renewal that succeeded), renewal bringing a
 * lapsed lease back while it is still ours, a lease found taken over, and the epochs commits
 * are fenced with.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import pino from 'pino';
import { RunLeases, type RunLeasesOptions } from '../../actors/leases/run-leases.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { RunLease } from '../../src/store/run-lease.ts';
import { newRun } from '../store-conformance.ts';

const ME = 'here:1:1';
const LEASE = 1_000;
const silent = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;

const open: { store: MemoryStore; leases: RunLeases }[] = [];
afterEach(() => {
  for (const { store, leases } of open.splice(0)) {
    leases.stop();
    store.close();
  }
});

function setUp(overrides: Partial<RunLeasesOptions> = {}) {
  let now = 0;
  const store = new MemoryStore();
  const events = { lost: [] as { runId: string; heldEpoch: number; lease: RunLease | null }[], changes: 0, failures: [] as unknown[] };
  const leases = new RunLeases({
    store,
    owner: ME,
    leaseMs: LEASE,
    log: silent,
    monotonic: () => now,
    onLost: (runId, heldEpoch, lease) => events.lost.push({ runId, heldEpoch, lease }),
    onChange: () => events.changes++,
    onFailure: (err) => events.failures.push(err),
    ...overrides,
  });
  open.push({ store, leases });
  const createRun = (id: string) => {
    const acquiredAt = now;
    store.createRun(newRun(id), [], { owner: ME, leaseMs: LEASE });
    leases.adopt(id, 1, acquiredAt);
  };
  return { store, leases, events, createRun, advance: (ms: number) => (now += ms) };
}

describe('RunLeases', () => {
  test('a run may act until the lease minus a tenth after it was taken, then not, until a renewal', () => {
    const { leases, createRun, advance } = setUp();
    createRun('r1');
    expect(leases.valid('r1')).toBe(true);
    advance(LEASE * 0.9 - 1);
    expect(leases.valid('r1')).toBe(true);
    advance(1);
    expect(leases.valid('r1')).toBe(false);
    // Still ours in the store (nobody claimed it): the renewal brings it back.
    leases.renew();
    expect(leases.valid('r1')).toBe(true);
    expect(leases.valid('unknown')).toBe(false);
  });

  test('the margin runs from the start of the renewal, however long the call took', () => {
    let clock = 0;
    const store = new MemoryStore();
    const slow = new Proxy(store, {
      get(target, property) {
        if (property === 'renewRunLeases') {
          return (...args: Parameters<MemoryStore['renewRunLeases']>) => {
            clock += 700; // the call took 700 ms
            return target.renewRunLeases(...args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const leases = new RunLeases({ store: slow, owner: ME, leaseMs: LEASE, log: silent, monotonic: () => clock, onLost() {}, onChange() {}, onFailure() {} });
    open.push({ store, leases });
    store.createRun(newRun('r1'), [], { owner: ME, leaseMs: LEASE });
    leases.adopt('r1', 1, 0);
    clock = 500;
    leases.renew(); // started at 500, answered at 1200
    expect(clock).toBe(1_200);
    clock = 500 + LEASE * 0.9 - 1;
    expect(leases.valid('r1')).toBe(true);
    clock = 500 + LEASE * 0.9;
    expect(leases.valid('r1')).toBe(false);
  });

  test('a lease taken over by another process is reported lost with its new holder, and stays fenced', () => {
    const { store, leases, events, createRun } = setUp();
    createRun('mine');
    createRun('taken');
    store.claimRunLease('taken', { owner: 'there:2:2', leaseMs: LEASE, fromEpoch: 1, onlyIfExpired: false });
    leases.renew();
    expect(events.lost).toEqual([{ runId: 'taken', heldEpoch: 1, lease: expect.objectContaining({ owner: 'there:2:2', epoch: 2 }) }]);
    expect(leases.valid('taken')).toBe(false);
    expect(leases.valid('mine')).toBe(true);
    // Its epoch is still named in commits, so rows that still name it are fenced.
    expect(leases.epochOf('taken')).toBe(1);
    expect(leases.epochOf('mine')).toBe(1);
    // A later renewal does not report it again, nor renew it.
    leases.renew();
    expect(events.lost).toHaveLength(1);
    leases.release('mine');
    expect(leases.epochOf('mine')).toBeUndefined();
  });

  test('the periodic renewal reports a store failure, and goes on renewing', async () => {
    const { store, leases, events, createRun } = setUp({ leaseMs: 60 });
    createRun('r1');
    const failing = new Error('the store is down');
    const renew = store.renewRunLeases.bind(store);
    let calls = 0;
    store.renewRunLeases = (...args) => {
      calls++;
      if (calls === 1) throw failing;
      return renew(...args);
    };
    leases.start();
    const deadline = Date.now() + 5_000;
    while (events.failures.length === 0 || calls < 2) {
      if (Date.now() > deadline) throw new Error('no periodic renewal within 5 s');
      await Bun.sleep(5);
    }
    expect(events.failures[0]).toBe(failing);
    // The next one succeeded and found the lease still ours.
    expect(leases.valid('r1')).toBe(true);
  });
});
