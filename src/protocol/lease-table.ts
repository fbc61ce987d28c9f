import { randomBytes } from 'node:crypto';
import type { Lease } from './messages.ts';

/** Random bytes drawn at once and handed out 16 at a time: one syscall per 256 leases. */
const POOL_BYTES = 16 * 256;

/**
 * 128 random bits as base64url (22 characters): a lease or a session id. Unguessable, so a
 * peer can prove it was given one; no order, so nothing can be inferred from another.
 */
export class OpaqueIds {
  #pool = Buffer.alloc(0);
  #offset = 0;

  next(): string {
    if (this.#offset + 16 > this.#pool.length) {
      this.#pool = randomBytes(POOL_BYTES);
      this.#offset = 0;
    }
    const id = this.#pool.toString('base64url', this.#offset, this.#offset + 16);
    this.#offset += 16;
    return id;
  }
}

/**
 * Fencing for assignments. Each assignment of an attempt (its key) gets a fresh lease from
 * `issue`; a later `issue` for the same key supersedes it. A `started` or `outcome` is taken
 * only while its lease `isCurrent`; anything else is a late result from a worker that lost the
 * attempt (it was revoked when the node was lost, or the attempt was reassigned) and is
 * refused. No clock, no I/O but the random source.
 *
 * Leases are random, not a counter: fencing needs only "is this the current lease of this
 * key", which equality answers, and a counter would let anyone who sees one lease guess the
 * others. A restarted dispatcher needs no high-water mark either: a lease of its previous life
 * matches a new one with probability 2^-128.
 *
 * `Holder` is what the dispatcher wants to remember per lease (usually the node id), so it can
 * revoke everything a lost node held with `revokeAll`.
 */
export class LeaseTable<Holder = undefined> {
  readonly #current = new Map<string, { lease: Lease; holder: Holder | undefined }>();
  readonly #ids = new OpaqueIds();

  /** A new lease for `key`, superseding any current one. */
  issue(key: string, holder?: Holder): Lease {
    const lease = this.#ids.next();
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
}
