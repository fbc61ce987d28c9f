import type { Database, Statement } from 'bun:sqlite';
import { RunNotFoundError } from '../errors.ts';
import {
  checkLeaseMs,
  journalEndsWith,
  probeRunOf,
  rowCountOf,
  type BatchFencing,
  type FencedRun,
  type LeaseClaim,
  type NewRunLease,
  type RunFence,
  type RunLease,
  type TailRow,
} from './run-lease.ts';
import type { StoreBatch } from './types.ts';
import { expandRow } from './merged-transitions.ts';

/**
 * The SQLite store's run leases (see run-lease.ts), on `run_owners`. The clock is the process's
 * (`now`): every process sharing a SQLite file is on the same host, so they agree on it.
 *
 * Each call that writes runs in a write transaction of its own (BEGIN IMMEDIATE, like a commit),
 * except `insert` and `fence`, which run inside the caller's (createRun's, commit's): a claim
 * and a commit are therefore serialized by SQLite's write lock, which is what makes the fence
 * exact — a commit either lands before the claim (the claimer then reads it) or sees the new
 * epoch. The fence itself only reads: one primary-key lookup per run per commit.
 */
export class SqliteLeases {
  private readonly insertLease: Statement<unknown, [string, string, number]>;
  private readonly selectLease: Statement<{ owner: string; epoch: number; expiresAt: number | null }, [string]>;
  private readonly selectEpoch: Statement<{ owner: string; epoch: number }, [string]>;
  private readonly selectTail: Statement<TailRow & { seq: number; earlier: string | null }, [string, number]>;
  private readonly runExists: Statement<{ found: 1 }, [string]>;
  private readonly claimUnowned: Statement<{ epoch: number }, [string, string, number]>;
  private readonly claimOwned: Statement<{ epoch: number }, [string, number, string, number, number, number]>;
  private readonly renewHeld: Statement<{ runId: string }, [number, string, string]>;
  private readonly claimTransaction: (runId: string, claim: LeaseClaim) => number | null;
  private readonly renewTransaction: (owner: string, leases: readonly RunFence[], leaseMs: number) => string[];

  constructor(
    db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.insertLease = db.prepare('INSERT INTO run_owners (run_id, owner, epoch, expires_at) VALUES (?, ?, 1, ?)');
    this.selectLease = db.prepare('SELECT owner, epoch, expires_at AS expiresAt FROM run_owners WHERE run_id = ?');
    this.selectEpoch = db.prepare('SELECT owner, epoch FROM run_owners WHERE run_id = ?');
    this.selectTail = db.prepare(
      `SELECT seq, actor_id AS actorId, actor_kind AS actorKind, from_state AS "from", to_state AS "to", event, payload, at, earlier
       FROM transitions WHERE run_id = ? ORDER BY seq DESC LIMIT ?`,
    );
    this.runExists = db.prepare('SELECT 1 AS found FROM runs WHERE id = ?');
    this.claimUnowned = db.prepare(
      'INSERT INTO run_owners (run_id, owner, epoch, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT (run_id) DO NOTHING RETURNING epoch',
    );
    // The expiry is compared in the statement, so a renewal since the claimer's read defeats it.
    this.claimOwned = db.prepare(
      `UPDATE run_owners SET owner = ?, epoch = epoch + 1, expires_at = ?
       WHERE run_id = ? AND epoch = ? AND (? = 0 OR (expires_at IS NOT NULL AND expires_at <= ?))
       RETURNING epoch`,
    );
    // One statement for all of them: the leases are bound as one JSON array of [run id, epoch].
    this.renewHeld = db.prepare(
      `UPDATE run_owners SET expires_at = ?
       WHERE owner = ? AND (run_id, epoch) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))
       RETURNING run_id AS runId`,
    );
    this.claimTransaction = db.transaction((runId: string, claim: LeaseClaim) => this.claimNow(runId, claim)).immediate;
    this.renewTransaction = db.transaction((owner: string, leases: readonly RunFence[], leaseMs: number) =>
      this.renewHeld.all(this.now() + leaseMs, owner, JSON.stringify(leases.map((l) => [l.runId, l.epoch]))).map((row) => row.runId),
    ).immediate;
  }

  /** Inside createRun's transaction: the new run's lease, epoch 1. */
  insert(runId: string, lease: NewRunLease): void {
    this.insertLease.run(runId, lease.owner, this.now() + checkLeaseMs(lease.leaseMs));
  }

  read(runId: string): RunLease | null {
    const row = this.selectLease.get(runId);
    if (row === null) return null;
    return { owner: row.owner, epoch: row.epoch, expiresInMs: row.expiresAt === null ? null : row.expiresAt - this.now() };
  }

  claim(runId: string, claim: LeaseClaim): number | null {
    checkLeaseMs(claim.leaseMs);
    return this.claimTransaction(runId, claim);
  }

  renew(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    checkLeaseMs(leaseMs);
    return leases.length === 0 ? [] : this.renewTransaction(owner, leases, leaseMs);
  }

  /**
   * Inside a commit's transaction: the runs whose epoch is no longer the one named, and whether
   * a resent batch had landed already (see BatchFencing.resent).
   */
  fence(batch: StoreBatch, fencing: BatchFencing): { fenced: FencedRun[]; duplicate: boolean } {
    const fenced: FencedRun[] = [];
    for (const { runId, epoch } of fencing.runs) {
      const row = this.selectEpoch.get(runId);
      if (row === null || row.epoch !== epoch) fenced.push({ runId, heldEpoch: epoch, owner: row?.owner ?? null, epoch: row?.epoch ?? null });
    }
    if (!fencing.resent) return { fenced, duplicate: false };
    const probe = probeRunOf(batch, fencing, new Set(fenced.map((f) => f.runId)));
    const duplicate = probe !== null && journalEndsWith(this.tail(probe, rowCountOf(batch, probe)), batch, probe);
    return { fenced, duplicate };
  }

  /** The run's last `count` transitions, newest first (a row may hold several: merged-transitions.ts). */
  private tail(runId: string, count: number): TailRow[] {
    const tail: TailRow[] = [];
    for (const { seq, earlier, ...own } of this.selectTail.all(runId, count)) {
      const held: TailRow[] = [];
      expandRow(seq, earlier, own, 0, (_, t) => held.push({ ...own, ...t }));
      for (let i = held.length - 1; i >= 0 && tail.length < count; i--) tail.push(held[i]);
      if (tail.length === count) break;
    }
    return tail;
  }

  finalize(): void {
    for (const statement of [
      this.insertLease, this.selectLease, this.selectEpoch, this.selectTail, this.runExists, this.claimUnowned, this.claimOwned,
      this.renewHeld,
    ]) {
      statement.finalize();
    }
  }

  private claimNow(runId: string, claim: LeaseClaim): number | null {
    if (this.runExists.get(runId) === null) throw new RunNotFoundError(runId);
    const expires = this.now() + claim.leaseMs;
    const row =
      claim.fromEpoch === 0
        ? this.claimUnowned.get(runId, claim.owner, expires)
        : this.claimOwned.get(claim.owner, expires, runId, claim.fromEpoch, claim.onlyIfExpired ? 1 : 0, this.now());
    return row?.epoch ?? null;
  }
}
