import { checkLeaseMs, type BatchFencing, type FencedRun, type LeaseClaim, type NewRunLease, type RunFence, type RunLease } from './run-lease.ts';

interface LeaseRow {
  owner: string;
  epoch: number;
  /** ms by `now`; null: recorded without a lease (never expires). */
  expiresAt: number | null;
}

/**
 * The memory store's run leases, with the SQLite store's semantics (sqlite-leases.ts): the
 * same epochs, compare-and-set, renewal and fencing, on a map. Calls never interleave (one
 * thread), which stands for SQLite's write lock.
 */
export class MemoryLeases {
  private readonly rows = new Map<string, LeaseRow>();

  constructor(private readonly now: () => number = Date.now) {}

  insert(runId: string, lease: NewRunLease): void {
    this.rows.set(runId, { owner: lease.owner, epoch: 1, expiresAt: this.now() + checkLeaseMs(lease.leaseMs) });
  }

  read(runId: string): RunLease | null {
    const row = this.rows.get(runId);
    if (row === undefined) return null;
    return { owner: row.owner, epoch: row.epoch, expiresInMs: row.expiresAt === null ? null : row.expiresAt - this.now() };
  }

  /** The caller has checked that the run exists. */
  claim(runId: string, claim: LeaseClaim): number | null {
    checkLeaseMs(claim.leaseMs);
    const row = this.rows.get(runId);
    const expiresAt = this.now() + claim.leaseMs;
    if (row === undefined) {
      if (claim.fromEpoch !== 0) return null;
      this.rows.set(runId, { owner: claim.owner, epoch: 1, expiresAt });
      return 1;
    }
    if (row.epoch !== claim.fromEpoch) return null;
    if (claim.onlyIfExpired && (row.expiresAt === null || row.expiresAt > this.now())) return null;
    this.rows.set(runId, { owner: claim.owner, epoch: row.epoch + 1, expiresAt });
    return row.epoch + 1;
  }

  renew(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    checkLeaseMs(leaseMs);
    const held: string[] = [];
    for (const { runId, epoch } of leases) {
      const row = this.rows.get(runId);
      if (row === undefined || row.owner !== owner || row.epoch !== epoch) continue;
      row.expiresAt = this.now() + leaseMs;
      held.push(runId);
    }
    return held;
  }

  /** The runs of a batch whose epoch is no longer the one named. */
  fenced(fencing: BatchFencing): FencedRun[] {
    const fenced: FencedRun[] = [];
    for (const { runId, epoch } of fencing.runs) {
      const row = this.rows.get(runId);
      if (row === undefined || row.epoch !== epoch) fenced.push({ runId, heldEpoch: epoch, owner: row?.owner ?? null, epoch: row?.epoch ?? null });
    }
    return fenced;
  }

  delete(runId: string): void {
    this.rows.delete(runId);
  }

  clear(): void {
    this.rows.clear();
  }
}
