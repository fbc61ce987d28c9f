import { transitionRowFromNew, type TransitionRow } from './rows.ts';
import { outlivesRuns } from './validation.ts';
import type { StoreBatch } from './types.ts';

/**
 * Leases on runs: which process hosts an unfinished run, until when, and the epoch that fences
 * its writes. Every store keeps them in `run_owners`, beside the run.
 *
 * - A process that starts hosting a run takes its lease: a new run gets epoch 1 (createRun),
 *   a run taken over gets the previous epoch + 1 (claimRunLease, a compare-and-set on the epoch
 *   it read). Leases last `leaseMs` from the store's clock — PostgreSQL's own (`clock_timestamp()`),
 *   so processes on hosts with skewed clocks agree on when a lease ends; SQLite's and the memory
 *   store's are the process clock, which is the same for everyone on one host.
 * - The holder renews all its leases in one call (renewRunLeases) and learns which it still holds.
 * - Every group commit of the holder names, for each run it writes, the epoch it holds
 *   (StoreBatch.fencing). The store checks it in the commit's own transaction — one indexed
 *   lookup per run, nothing written for it: the rows of a run whose lease has passed to a later
 *   epoch are not written (CommitOutcome.fenced), the rest of the batch is. A claim and a commit
 *   are serialized by the store (the journal's table lock on PostgreSQL, the write lock on
 *   SQLite), so once a claim has returned, nothing the previous holder sends for the run lands.
 */

/** A run's lease as the store sees it at the moment it is read. */
export interface RunLease {
  /** The process holding it, or that last held it: `host:pid:start` (src/run-owner.ts). */
  owner: string;
  /** 1 for the process that created the run, + 1 at each change of owner. */
  epoch: number;
  /**
   * What the lease has left by the store's clock at the read (ms); zero or less: expired. Null:
   * an owner recorded before leases existed (schema 4), which never expires — only the same-host
   * liveness check of its process can release it.
   */
  expiresInMs: number | null;
}

/** A run as one writer names it in a write: with the lease epoch it holds. */
export interface RunFence {
  runId: string;
  epoch: number;
}

/** What makes a group commit a fenced one (StoreBatch.fencing). */
export interface BatchFencing {
  /** For each leased run whose rows the batch writes: the epoch its writer holds. */
  runs: RunFence[];
  /**
   * The batch was sent before and the store's answer never came (the connection dropped): it
   * may have landed. The store then looks whether the journal of the first leased run the batch
   * has rows of already ends with exactly those rows — only the lease holder writes a run's
   * rows, and it sends nothing newer before this batch is settled — and if so writes nothing
   * again (CommitOutcome.duplicate). Costs a read on such a retry only, never on the usual path.
   * A batch with no row of a leased run cannot be told apart: its patches are idempotent, and
   * its node rows may be written twice.
   */
  resent?: boolean;
}

/** A run whose rows a commit did not write: its lease is no longer the writer's. */
export interface FencedRun {
  runId: string;
  /** The epoch the writer held. */
  heldEpoch: number;
  /** Who holds the run now, and at which epoch; null when nobody does (no lease at all). */
  owner: string | null;
  epoch: number | null;
}

/** What a commit did. */
export interface CommitOutcome {
  /** Runs whose rows were not written (dispatcher and node rows naming them lost the run id). */
  readonly fenced: readonly FencedRun[];
  /** A resent batch that had landed the first time: nothing was written again. */
  readonly duplicate: boolean;
}

/** The outcome of almost every commit, shared so the hot path allocates nothing for it. */
export const COMMITTED: CommitOutcome = Object.freeze({ fenced: Object.freeze([]) as readonly FencedRun[], duplicate: false });
export const DUPLICATE: CommitOutcome = Object.freeze({ fenced: Object.freeze([]) as readonly FencedRun[], duplicate: true });

/** A lease taken with a new run (epoch 1). */
export interface NewRunLease {
  owner: string;
  leaseMs: number;
}

/** A takeover: compare-and-set on the epoch the claimer read. */
export interface LeaseClaim {
  owner: string;
  leaseMs: number;
  /** The epoch read before claiming; 0 when the run had no lease. The claim fails if it changed. */
  fromEpoch: number;
  /**
   * Claim only if the lease has expired by the store's clock, checked in the same statement (a
   * renewal that lands between the read and the claim defeats it). False when the claimer knows
   * the holder is gone (its process is dead on this host) or the run has finished.
   */
  onlyIfExpired: boolean;
}

/** A lease length: a positive whole number of milliseconds (a bug in the caller otherwise). */
export function checkLeaseMs(leaseMs: number): number {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) throw new TypeError(`Invalid lease length ${leaseMs}; expected whole milliseconds, 1 or more`);
  return leaseMs;
}

/** A stored journal row as a resent batch is compared with it: everything but seq and run. */
export type TailRow = Omit<TransitionRow, 'seq' | 'runId'>;

/**
 * Whether a run's journal, read newest first (`tail`, at least as many rows as the batch has
 * for the run), ends with exactly the batch's rows of that run, in order: a resent batch that
 * had landed.
 */
export function journalEndsWith(tail: readonly TailRow[], batch: StoreBatch, runId: string): boolean {
  const rows = batch.transitions.filter((t) => t.runId === runId).map(transitionRowFromNew);
  if (rows.length === 0 || tail.length < rows.length) return false;
  for (let i = 0; i < rows.length; i++) {
    const stored = tail[rows.length - 1 - i];
    const sent = rows[i];
    if (
      stored.actorId !== sent.actorId || stored.actorKind !== sent.actorKind || stored.from !== sent.from || stored.to !== sent.to ||
      stored.event !== sent.event || stored.payload !== sent.payload || stored.at !== sent.at
    ) {
      return false;
    }
  }
  return true;
}

/** How many rows of `runId` the batch has. */
export function rowCountOf(batch: StoreBatch, runId: string): number {
  let n = 0;
  for (const t of batch.transitions) if (t.runId === runId) n++;
  return n;
}

/** The leased, unfenced run whose journal tail tells whether a resent batch landed; null: none. */
export function probeRunOf(batch: StoreBatch, fencing: BatchFencing, fenced: ReadonlySet<string>): string | null {
  const leased = new Set(fencing.runs.map((f) => f.runId));
  for (const t of batch.transitions) if (t.runId !== null && leased.has(t.runId) && !fenced.has(t.runId)) return t.runId;
  return null;
}

/**
 * The batch without what belongs to fenced runs: their task and coordinator rows and their
 * patches go; dispatcher and node rows naming one are kept without the run id, as for a deleted
 * run (they are the writer's own actors, not the run's). For the stores that filter in code.
 */
export function withoutFencedRuns(batch: StoreBatch, fenced: ReadonlySet<string>): StoreBatch {
  const transitions = [];
  for (const t of batch.transitions) {
    if (t.runId === null || !fenced.has(t.runId)) transitions.push(t);
    else if (outlivesRuns(t.actorKind)) transitions.push({ ...t, runId: null });
  }
  return {
    transitions,
    runs: batch.runs.filter((patch) => !fenced.has(patch.id)),
    tasks: batch.tasks.filter((patch) => !fenced.has(patch.runId)),
    nodes: batch.nodes,
  };
}
