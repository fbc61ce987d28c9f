import type { SwarmLogger } from '../../src/logger.ts';
import { isTransientStoreFailure } from '../../src/store/store-errors.ts';

export interface StoreOutageOptions {
  /** How long to keep trying before giving up (`[dispatcher] db_outage_timeout`); 0: never try. */
  limitMs: number;
  /** The lease length: retries come at least three times per lease, so a lease is renewed in time. */
  leaseMs: number;
  log: SwarmLogger;
  /** One try at getting going again; throws while the store still fails. */
  probe(): void;
  /** The probe succeeded: the store answers again. */
  onRecovered(): void;
  /** The limit passed, or the store failed in a way that does not pass by itself: the fatal path. */
  onGiveUp(err: unknown): void;
  /** Whether anything is held now: with nothing held (an idle dispatcher), the limit does not apply and the retries go on. */
  holdsWork(): boolean;
  monotonic?: () => number;
  random?: () => number;
}

/** What `swarm status` and /api/status show while the store is unavailable. */
export interface StoreOutageReport {
  /** When the first failure was seen (ms since the epoch). */
  since: number;
  /** Tries so far. */
  attempts: number;
  /** The last failure's message. */
  error: string;
  /** When this process gives up and stops its runs (ms since the epoch); null while it holds none (it keeps trying). */
  givesUpAt: number | null;
}

/** The first retry comes this soon; each later one waits twice as long, up to MAX_DELAY_MS. */
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/**
 * A state database that cannot be reached (a connection dropped, the server restarting): instead
 * of failing every run at the first refused write, the dispatcher holds its runs (dispatches
 * nothing, keeps what it could not commit in memory) and tries again, with exponential backoff
 * and jitter, until the store answers or `limitMs` has passed. Only failures that may pass by
 * themselves (isTransientStoreFailure: PostgreSQL's) start an outage; a SQLite write refused for
 * a full disk gives up at once, as before.
 */
export class StoreOutage {
  private started: { at: number; wall: number } | null = null;
  private attempts = 0;
  private lastError: unknown = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly monotonic: () => number;
  private readonly random: () => number;

  constructor(private readonly options: StoreOutageOptions) {
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.random = options.random ?? Math.random;
  }

  get active(): boolean {
    return this.started !== null;
  }

  /** The failure that started (or last prolonged) the outage. */
  get error(): unknown {
    return this.lastError;
  }

  get report(): StoreOutageReport | null {
    if (this.started === null) return null;
    return {
      since: this.started.wall,
      attempts: this.attempts,
      error: this.lastError instanceof Error ? this.lastError.message : String(this.lastError),
      givesUpAt: this.options.holdsWork() ? this.started.wall + this.options.limitMs : null,
    };
  }

  /**
   * Whether `err` starts (or belongs to) an outage; false when it must take the fatal path
   * instead. The first call starts the retries.
   */
  begin(err: unknown): boolean {
    if (!isTransientStoreFailure(err) || this.options.limitMs <= 0) return false;
    this.lastError = err;
    if (this.started !== null) return true;
    this.started = { at: this.monotonic(), wall: Date.now() };
    this.attempts = 0;
    this.options.log.warn(
      { err, retryForMs: this.options.limitMs },
      'the state database is unavailable: dispatching is held, nothing is lost (what is not committed stays in memory); retrying',
    );
    this.schedule();
    return true;
  }

  /** Stops retrying (the dispatcher is stopping or gave up). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.started = null;
  }

  private schedule(): void {
    const started = this.started!;
    const exponential = Math.min(FIRST_DELAY_MS * 2 ** this.attempts, MAX_DELAY_MS, Math.max(FIRST_DELAY_MS, this.options.leaseMs / 3));
    // Equal jitter: dispatchers that lost the same server do not all come back at the same instant.
    const delay = exponential / 2 + (this.random() * exponential) / 2;
    const left = started.at + this.options.limitMs - this.monotonic();
    // Past the limit only while nothing is held: then the retries keep their own pace.
    this.timer = setTimeout(() => this.attempt(), left > 0 ? Math.min(delay, left) : delay);
  }

  private attempt(): void {
    this.timer = null;
    const started = this.started;
    if (started === null) return;
    this.attempts++;
    try {
      this.options.probe();
    } catch (err) {
      this.lastError = err;
      const elapsed = this.monotonic() - started.at;
      if (!isTransientStoreFailure(err) || (elapsed >= this.options.limitMs && this.options.holdsWork())) {
        this.stop();
        this.options.log.error(
          { err, attempts: this.attempts, elapsedMs: Math.round(elapsed) },
          'the state database stayed unavailable: giving up, all runs stopped here (another dispatcher, or a restart, takes them up)',
        );
        this.options.onGiveUp(err);
        return;
      }
      this.schedule();
      return;
    }
    const downMs = Math.round(this.monotonic() - started.at);
    const attempts = this.attempts;
    this.stop();
    this.lastError = null;
    this.options.log.info({ downMs, attempts }, 'the state database answers again: what was held is committed, dispatching resumed');
    this.options.onRecovered();
  }
}
