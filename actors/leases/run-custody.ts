import type { CommandLine } from '../../src/command-line.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import type { FencedRun } from '../../src/store/run-lease.ts';
import { RunFencedError } from '../../src/store/store-errors.ts';
import type { SwarmStore } from '../../src/store/types.ts';
import type { JournalFencing } from '../journal/journal-recorder.ts';
import { RunLeases } from './run-leases.ts';
import { RunTakeover, type Takeover } from './run-takeover.ts';
import { StoreOutage, type StoreOutageReport } from './store-outage.ts';

/** What custody needs of the dispatcher that hosts the runs. */
export interface CustodyHost {
  /** The runs hosted here now. */
  readonly runs: ReadonlyMap<string, { hold(): void; release(): void }>;
  /** The run's lease passed to another process: stop hosting it here, writing nothing more. */
  giveUp(runId: string, why: RunFencedError): void;
  /** The store failed for good (or the outage lasted too long): the fatal path. */
  fail(err: unknown): void;
  /** A store failure met in the background (a renewal): the host decides, see `storeFailed`. */
  storeFailed(err: unknown): void;
  /** Sends what the journal could not commit (JournalRecorder.retry); throws while the store fails. */
  retryJournal(): void;
  /** Wakes what waited for a commit during the outage (CommitBarrier.resume). */
  resumeCommits(): void;
}

export interface RunCustodyOptions {
  store: SwarmStore;
  owner: string;
  /** `[coordinator] heartbeat_timeout`: a lease lasts this long unless renewed. */
  leaseMs: number;
  /** `[dispatcher] db_outage_timeout`. */
  outageLimitMs: number;
  log: SwarmLogger;
  host: CustodyHost;
  /** How its messages write a swarm command (the dispatcher's config and database). */
  commandLine: CommandLine;
}

/**
 * The runs a dispatcher process holds, and when it may act on them: their leases (renewed,
 * and self-fenced when a renewal is late), runs taken over from others, runs found taken over
 * by others (fenced), and outages of the state database. One rule decides dispatching: a run
 * hands work to nodes only while its lease surely runs and the store is reachable (mayDispatch);
 * `reconcile` holds or releases each run's queue when either changes.
 */
export class RunCustody {
  private readonly leases: RunLeases;
  private readonly takeover: RunTakeover;
  private readonly outage: StoreOutage;
  private readonly host: CustodyHost;
  private readonly owner: string;
  /**
   * Until this (monotonic) time, expired leases are not taken over: right after an outage every
   * lease has run out by the server's clock, and the other dispatchers, retrying on their own
   * backoff, need a lease's length to renew theirs before anyone may call them gone.
   */
  private quietUntil = 0;

  /** What the journal recorder names in each commit, so the store can fence it. */
  readonly fencing: JournalFencing = {
    epochOf: (runId) => this.leases.epochOf(runId),
    onFenced: (fenced) => this.onFenced(fenced),
  };

  private readonly commandLine: CommandLine;

  constructor(options: RunCustodyOptions) {
    this.host = options.host;
    this.commandLine = options.commandLine;
    this.owner = options.owner;
    this.leases = new RunLeases({
      store: options.store,
      owner: options.owner,
      leaseMs: options.leaseMs,
      log: options.log,
      onLost: (runId, heldEpoch, now) => this.lost({ runId, heldEpoch, owner: now?.owner ?? null, epoch: now?.epoch ?? null }),
      onChange: () => this.reconcile(),
      onFailure: (err) => this.host.storeFailed(err),
    });
    this.takeover = new RunTakeover(options.store, options.owner, this.leases);
    this.outage = new StoreOutage({
      limitMs: options.outageLimitMs,
      leaseMs: options.leaseMs,
      log: options.log,
      // Renew first: a run whose lease passed meanwhile is given up before its rows are sent.
      probe: () => {
        this.leases.renew();
        this.host.retryJournal();
        // With no run and nothing to write, the two above ask the store nothing.
        options.store.listUnfinishedRunIds();
      },
      onRecovered: () => this.recovered(),
      onGiveUp: (err) => this.host.fail(err),
      // An idle dispatcher risks nothing by waiting: it takes no run until the store answers.
      holdsWork: () => this.host.runs.size > 0,
    });
  }

  start(): void {
    this.leases.start();
  }

  stop(): void {
    this.leases.stop();
    this.outage.stop();
  }

  /** Whether the run may hand work to a node now. */
  mayDispatch(runId: string): boolean {
    return !this.outage.active && this.leases.valid(runId);
  }

  /** What a new run is created with (its lease, epoch 1), and the monotonic time before the call. */
  newRunLease(): { lease: { owner: string; leaseMs: number }; acquiredAt: number } {
    return { lease: { owner: this.owner, leaseMs: this.leases.leaseMs }, acquiredAt: this.leases.now() };
  }

  /** The run created with newRunLease() is hosted here now. */
  adoptNewRun(runId: string, acquiredAt: number): void {
    this.leases.adopt(runId, 1, acquiredAt);
  }

  /** Takes an unfinished run over (see RunTakeover.claim). */
  claim(runId: string): Takeover {
    return this.takeover.claim(runId, this.commandLine);
  }

  /** Takes a finished run's lease, to roll it back. */
  claimFinished(runId: string): Takeover {
    return this.takeover.claimFinished(runId);
  }

  /** The run ended here, or could not start: its lease is let run out. */
  release(runId: string): void {
    this.leases.release(runId);
  }

  /** Unfinished runs of other processes that may be taken over now; none during an outage. */
  orphans(hostedHere: (runId: string) => boolean): string[] {
    if (this.outage.active) return [];
    return this.takeover.orphans(hostedHere, this.leases.now() >= this.quietUntil);
  }

  get outageReport(): StoreOutageReport | null {
    return this.outage.report;
  }

  get inOutage(): boolean {
    return this.outage.active;
  }

  /** The failure behind the current outage, for the fatal path when the dispatcher stops during one. */
  get outageError(): unknown {
    return this.outage.error;
  }

  /**
   * A store failure seen by the journal or a renewal: true when it starts (or belongs to) an
   * outage, which holds every run and retries; false when the caller must take the fatal path.
   */
  storeFailed(err: unknown): boolean {
    if (!this.outage.begin(err)) return false;
    this.leases.pause();
    this.reconcile();
    return true;
  }

  /** Holds the runs that may not dispatch and releases the others. */
  reconcile(): void {
    for (const [runId, run] of this.host.runs) {
      if (this.mayDispatch(runId)) run.release();
      else run.hold();
    }
  }

  private recovered(): void {
    this.quietUntil = this.leases.now() + this.leases.leaseMs;
    this.leases.resume();
    this.reconcile();
    this.host.resumeCommits();
  }

  private onFenced(fenced: readonly FencedRun[]): void {
    for (const run of fenced) this.lost(run);
  }

  private lost(run: FencedRun): void {
    this.leases.relinquish(run.runId);
    if (!this.host.runs.has(run.runId)) return;
    this.host.giveUp(run.runId, new RunFencedError(run.runId, run.heldEpoch, run.owner, run.epoch, this.commandLine(['show', run.runId])));
  }
}
