import type { Lease } from './messages.ts';

export interface LeaseTableOptions {
  /**
   * The first lease issued (default 1). A dispatcher that restarts should start above every
   * lease it issued before (a persisted high-water mark, or an epoch it derives itself), so a
   * worker resuming an attempt from the previous incarnation can never match a new lease.
   */
  firstLease?: number;
}

/**
 * Fencing for assignments. Each assignment of an attempt (its key) gets a lease from `issue`,
 * one higher than any issued before; a later `issue` for the same key supersedes it. A
 * `started` or `outcome` is taken only while its lease `isCurrent`; anything else is a late
 * result from a worker that lost the attempt (it was revoked when the node was lost, or the
 * attempt was reassigned) and is refused. Pure: no clock, no I/O.
 *
 * `Holder` is what the dispatcher wants to remember per lease (usually the node id), so it can
 * revoke everything a lost node held with `revokeAll`.
 */
export class LeaseTable<Holder = undefined> {
  readonly #current = new Map<string, { lease: Lease; holder: Holder | undefined }>();
  #next: number;

  constructor(options: LeaseTableOptions = {}) {
    const first = options.firstLease ?? 1;
    if (!Number.isSafeInteger(first) || first < 1) {
      throw new RangeError(`LeaseTable firstLease must be a positive safe integer (got ${first})`);
    }
    this.#next = first;
  }

  /** A new lease for `key`, superseding any current one. */
  issue(key: string, holder?: Holder): Lease {
    const lease = this.#next;
    if (!Number.isSafeInteger(lease + 1)) throw new RangeError('LeaseTable ran out of safe integer leases');
    this.#next = lease + 1;
    this.#current.set(key, { lease, holder });
    return lease;
  }

  isCurrent(key: string, lease: Lease): boolean {
    return this.#current.get(key)?.lease === lease;
  }

  /** The current lease of `key`, if it has one. */
  leaseOf(key: string): Lease | undefined {
    return this.#current.get(key)?.lease;
  }

  holderOf(key: string): Holder | undefined {
    return this.#current.get(key)?.holder;
  }

  /**
   * Ends `key`'s lease (the attempt settled or was taken back). With `lease`, only if that
   * lease is the current one, so a stale holder cannot end its successor's lease.
   * Returns whether a lease was released.
   */
  release(key: string, lease?: Lease): boolean {
    const entry = this.#current.get(key);
    if (entry === undefined || (lease !== undefined && entry.lease !== lease)) return false;
    this.#current.delete(key);
    return true;
  }

  /** Accepts a result: true, and the lease ends, if `lease` is current for `key`; false (refuse it) otherwise. */
  settle(key: string, lease: Lease): boolean {
    return this.release(key, lease);
  }

  /** Revokes every lease the predicate selects (e.g. all a lost node held); returns their keys. */
  revokeAll(predicate: (key: string, lease: Lease, holder: Holder | undefined) => boolean): string[] {
    const revoked: string[] = [];
    for (const [key, entry] of this.#current) {
      if (predicate(key, entry.lease, entry.holder)) {
        this.#current.delete(key);
        revoked.push(key);
      }
    }
    return revoked;
  }

  /** Number of current leases. */
  get size(): number {
    return this.#current.size;
  }

  /** The last lease issued (firstLease - 1 before any): the high-water mark to persist. */
  get lastIssued(): Lease {
    return this.#next - 1;
  }
}
