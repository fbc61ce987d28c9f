import { describe, expect, test } from 'bun:test';
import { LeaseTable, toWorker } from '../../src/protocol/index.ts';

describe('LeaseTable', () => {
  test('leases are 128 random bits: distinct, unordered, with nothing to guess from one another', () => {
    const table = new LeaseTable();
    const leases = Array.from({ length: 2_000 }, (_, i) => table.issue(`k${i}`));
    expect(new Set(leases).size).toBe(leases.length);
    for (const lease of leases) expect(lease).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // 16 bytes each: every byte value shows up at many positions (not a counter, not a prefix).
    const firstBytes = new Set(leases.map((l) => Buffer.from(l, 'base64url')[0]));
    const lastBytes = new Set(leases.map((l) => Buffer.from(l, 'base64url')[15]));
    expect(firstBytes.size).toBeGreaterThan(200);
    expect(lastBytes.size).toBeGreaterThan(200);
    expect(table.size).toBe(2_000);
  });

  test('a reissued key fences its old lease', () => {
    const table = new LeaseTable();
    const first = table.issue('run/t/run/1');
    expect(table.isCurrent('run/t/run/1', first)).toBe(true);
    const second = table.issue('run/t/run/1');
    expect(table.isCurrent('run/t/run/1', first)).toBe(false);
    expect(table.isCurrent('run/t/run/1', second)).toBe(true);
    expect(table.leaseOf('run/t/run/1')).toBe(second);
    // The stale holder's result is refused; the current one settles once.
    expect(table.settle('run/t/run/1', first)).toBe(false);
    expect(table.settle('run/t/run/1', second)).toBe(true);
    expect(table.settle('run/t/run/1', second)).toBe(false);
    expect(table.isCurrent('run/t/run/1', second)).toBe(false);
  });

  test('a lease is current only for its own key', () => {
    const table = new LeaseTable();
    const lease = table.issue('a');
    expect(table.isCurrent('b', lease)).toBe(false);
    expect(table.isCurrent('a', `${lease}x`)).toBe(false);
  });

  test('release ends a lease; with a lease, only if that one is current', () => {
    const table = new LeaseTable();
    const old = table.issue('k');
    const current = table.issue('k');
    expect(table.release('k', old)).toBe(false);
    expect(table.isCurrent('k', current)).toBe(true);
    expect(table.release('k')).toBe(true);
    expect(table.isCurrent('k', current)).toBe(false);
    expect(table.release('k')).toBe(false);
    expect(table.leaseOf('k')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  test('revokeAll takes back everything a lost node held; results it sends later are refused', () => {
    const table = new LeaseTable<string>();
    const a1 = table.issue('run/x/run/1', 'node-a');
    const b1 = table.issue('run/y/run/1', 'node-b');
    const a2 = table.issue('run/z/run/1', 'node-a');
    expect(table.holderOf('run/x/run/1')).toBe('node-a');

    const revoked = table.revokeAll((_key, _lease, holder) => holder === 'node-a');
    expect(revoked.sort()).toEqual(['run/x/run/1', 'run/z/run/1']);
    expect(table.isCurrent('run/x/run/1', a1)).toBe(false);
    expect(table.isCurrent('run/z/run/1', a2)).toBe(false);
    expect(table.isCurrent('run/y/run/1', b1)).toBe(true);

    // The attempt runs again elsewhere (here the same key is reassigned to node-b).
    const b2 = table.issue('run/x/run/1', 'node-b');
    expect(b2).not.toBe(a1);
    // node-a comes back and reports its old attempt: fenced, and the dispatcher refuses it.
    const late = { key: 'run/x/run/1', lease: a1 };
    const reply = table.settle(late.key, late.lease)
      ? undefined
      : toWorker.refused(late.key, late.lease, 'the attempt is no longer current');
    expect(reply).toEqual({
      type: 'refused',
      key: 'run/x/run/1',
      lease: a1,
      reason: 'the attempt is no longer current',
    });
    expect(table.settle('run/x/run/1', b2)).toBe(true);
  });

  test('revokeAll can select by key or lease, and returns nothing when nothing matches', () => {
    const table = new LeaseTable();
    table.issue('run-1/a/run/1');
    table.issue('run-2/a/run/1');
    const lease = table.issue('run-1/b/run/1');
    expect(table.revokeAll((key) => key.startsWith('run-1/'))).toEqual(['run-1/a/run/1', 'run-1/b/run/1']);
    expect(table.revokeAll((_key, l) => l === lease)).toEqual([]);
    expect(table.size).toBe(1);
  });

  test('a new table (a restarted dispatcher) never recognises an old lease', () => {
    const before = new LeaseTable();
    const oldLease = before.issue('k');
    const after = new LeaseTable();
    const newLease = after.issue('k');
    expect(newLease).not.toBe(oldLease);
    expect(after.isCurrent('k', oldLease)).toBe(false);
  });
});
