import type { SwarmLogger } from '../../src/logger.ts';
import type { RunFence, RunLease } from '../../src/store/run-lease.ts';
import type { SwarmStore } from '../../src/store/types.ts';

export interface RunLeasesOptions {
  store: SwarmStore;
  /** This process, as src/run-owner.ts names it. */
  owner: string;
  /** How long a lease lasts (`[coordinator] heartbeat_timeout`). */
  leaseMs: number;
  log: SwarmLogger;
  /**
   * A clock that only goes forward and keeps counting while the process is stopped (SIGSTOP)
   * or starved, so a lease is never believed longer than it runs. performance.now() by default.
   */
  monotonic?: () => number;
  /** A renewal found that a lease has passed to another process (`lease`: who holds it now). */
  onLost(runId: string, heldEpoch: number, lease: RunLease | null): void;
  /** Which runs may dispatch changed: a lease lapsed, or a renewal brought it back. */
  onChange(): void;
  /** A periodic renewal failed: the store could not be reached or refused it. */
  onFailure(err: unknown): void;
}

interface HeldLease {
  epoch: number;
  /** Monotonic time until which this process may act on the run (see `valid`). */
  validUntil: number;
  /** Past validUntil and said so; cleared by the next renewal that finds the lease still ours. */
  lapsed: boolean;
}

/** A renewal every third of the lease: two can fail before the lease is in danger. */
const RENEWALS_PER_LEASE = 3;
/**
 * What is taken off each lease before this process stops acting on a run: the store starts the
 * lease a little after the renewal was sent (and its clock may run a little faster), and a task
 * handed to a node in the last instant starts a little later still.
 */
const SAFETY_MARGIN = 0.1;

/**
 * The leases this process holds on the runs it hosts (src/store/run-lease.ts): their epochs,
 * which every commit names so the store can fence it; their renewal, all in one call every
 * third of the lease; and self-fencing: a run may dispatch only until `leaseMs` minus a margin
 * after the *start* of the last renewal that succeeded, measured on a monotonic clock. The store
 * begins the lease no earlier than that start, so this process stops before the lease can pass
 * to another, even if it cannot reach the store to learn anything (a partition, an outage, a
 * SIGSTOP). A later renewal that finds the lease still ours lets the run go on.
 */
export class RunLeases {
  private readonly held = new Map<string, HeldLease>();
  /**
   * Leases lost to another process, by run: their epoch stays known so that rows still naming
   * the run (an aborted attempt's node row) go to the store fenced, and are not written for it.
   */
  private readonly lost = new Map<string, number>();
  private readonly monotonic: () => number;
  private readonly margin: number;
  private renewTimer: ReturnType<typeof setInterval> | null = null;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private paused = false;

  constructor(private readonly options: RunLeasesOptions) {
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.margin = options.leaseMs * SAFETY_MARGIN;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  now(): number {
    return this.monotonic();
  }

  /** Starts the periodic renewal. */
  start(): void {
    if (this.renewTimer !== null) return;
    this.renewTimer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.options.leaseMs / RENEWALS_PER_LEASE)));
    this.renewTimer.unref?.();
  }

  /** Stops every timer; the leases simply run out in the store. */
  stop(): void {
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.renewTimer = null;
    this.expiryTimer = null;
  }

  /** Periodic renewals stop while something else (the outage's retries) renews. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /**
   * A lease this process has just taken (a new run, a takeover) at `epoch`; `acquiredAt` is the
   * monotonic time read before the call that took it.
   */
  adopt(runId: string, epoch: number, acquiredAt: number): void {
    this.lost.delete(runId);
    this.held.set(runId, { epoch, validUntil: acquiredAt + this.options.leaseMs - this.margin, lapsed: false });
    this.armExpiry();
  }

  /** The run ended here (or could not start): its lease is no longer renewed. */
  release(runId: string): void {
    this.held.delete(runId);
  }

  /** The run's lease passed to another process: no longer renewed, still fenced. */
  relinquish(runId: string): void {
    const entry = this.held.get(runId);
    if (!entry) return;
    this.held.delete(runId);
    this.lost.set(runId, entry.epoch);
  }

  /** The epoch this process holds — or held, if it lost it — for the run; undefined for others. */
  epochOf(runId: string): number | undefined {
    return this.held.get(runId)?.epoch ?? this.lost.get(runId);
  }

  /** Whether this process may still act on the run: it holds the lease and the lease surely runs. */
  valid(runId: string): boolean {
    const entry = this.held.get(runId);
    return entry !== undefined && this.monotonic() < entry.validUntil;
  }

  /**
   * Renews every lease held, in one store call; throws the store's error when it fails. Leases
   * the store no longer has for us are handed to `onLost`.
   */
  renew(): void {
    if (this.held.size === 0) return;
    const leases: RunFence[] = [...this.held].map(([runId, { epoch }]) => ({ runId, epoch }));
    const started = this.monotonic();
    const kept = new Set(this.options.store.renewRunLeases(this.options.owner, leases, this.options.leaseMs));
    const validUntil = started + this.options.leaseMs - this.margin;
    const lost: RunFence[] = [];
    for (const { runId, epoch } of leases) {
      const entry = this.held.get(runId);
      // Released, or taken again at another epoch, while the call ran.
      if (entry === undefined || entry.epoch !== epoch) continue;
      if (!kept.has(runId)) {
        lost.push({ runId, epoch });
        continue;
      }
      entry.validUntil = Math.max(entry.validUntil, validUntil);
      if (entry.lapsed) {
        entry.lapsed = false;
        this.options.log.info({ runId, epoch }, 'lease renewed after it had lapsed, and still ours: the run dispatches again');
      }
    }
    for (const { runId, epoch } of lost) {
      this.relinquish(runId);
      let now: RunLease | null = null;
      try {
        now = this.options.store.getRunLease(runId);
      } catch {
        // Who holds it now is for the log only.
      }
      this.options.onLost(runId, epoch, now);
    }
    this.armExpiry();
    this.options.onChange();
  }

  private tick(): void {
    if (this.paused || this.held.size === 0) return;
    try {
      this.renew();
    } catch (err) {
      this.options.onFailure(err);
    }
  }

  /** A timer for the earliest lease that may lapse, so a run stops as soon as its lease may be gone. */
  private armExpiry(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.held.values()) if (!entry.lapsed) earliest = Math.min(earliest, entry.validUntil);
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.expiryTimer = setTimeout(() => this.checkExpiry(), Math.max(0, earliest - this.monotonic()) + 1);
    this.expiryTimer.unref?.();
  }

  private checkExpiry(): void {
    this.expiryTimer = null;
    const now = this.monotonic();
    let changed = false;
    for (const [runId, entry] of this.held) {
      if (entry.lapsed || now < entry.validUntil) continue;
      entry.lapsed = true;
      changed = true;
      this.options.log.warn(
        { runId, epoch: entry.epoch, leaseMs: this.options.leaseMs },
        'the lease could not be renewed in time: the run dispatches nothing until a renewal succeeds (another dispatcher may take it over)',
      );
    }
    this.armExpiry();
    if (changed) this.options.onChange();
  }
}
