import type { Dispatcher, RunHandle } from '../../actors/dispatcher.ts';
import type { LoadedManifest } from '../manifest/types.ts';
import type { SwarmLogger } from '../logger.ts';
import { RunLeftUnfinishedError } from '../errors.ts';
import type { RunListing, RunStatus, SwarmStore } from '../store/types.ts';

/** What a follower (`swarm deploy`) polls: cheap counts, never the task list. */
export interface RunProgressView {
  runId: string;
  name: string;
  status: RunStatus;
  totalTasks: number;
  /** Tasks that reached a final state (succeeded, failed, rolled back, skipped, cancelled…). */
  settledTasks: number;
  completedTasks: number;
  failedTasks: number;
  /** Tasks on a node now (assigned, running, rolling back); 0 once the run has ended. */
  runningTasks: number;
  /** A few names of the tasks running now and of those waiting to retry, for progress lines. */
  activeTasks: { running: string[]; retrying: string[] };
}

/** Live task states that mean "on a node now". */
export const ON_NODE_STATES = ['assigned', 'running', 'rolling_back'] as const;

/**
 * The runs this dispatcher process accepted: handles of the active ones (for cancel, progress
 * and the live parts of status and metrics) and the totals of the ones that ended, so `status`
 * can report completed and failed tasks since the dispatcher started without re-reading every
 * run it ever ran.
 */
export class RunRegistry {
  private readonly active = new Map<string, RunHandle>();
  /** Each active run's stored listing as last read, for status reports during a store outage. */
  private readonly listings = new Map<string, RunListing>();
  private finished = { runs: 0, completedTasks: 0, failedTasks: 0 };
  private readonly byStatus: Partial<Record<RunStatus, number>> = {};

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: SwarmLogger,
  ) {}

  deploy(loaded: LoadedManifest, name?: string): RunHandle {
    return this.track(this.dispatcher.deploy(loaded, name === undefined ? {} : { name }));
  }

  /** Counts a run the dispatcher hosts (deployed, replayed or resumed) until it ends. */
  track<H extends RunHandle>(handle: H): H {
    this.active.set(handle.runId, handle);
    try {
      // Read once now, so a status report has the run's name and counts even if the store is
      // unavailable before anyone asks (see storedListing).
      this.storedListing(handle.runId, this.dispatcher.store);
    } catch {
      // Reports read it again when they can.
    }
    // The run leaves `active` in the same callback that adds it to the totals, so no report
    // ever counts it twice (or not at all).
    // `finished`, not `result`: the counts, not every task of a run that may have millions.
    handle.finished.then(
      (result) => {
        this.active.delete(handle.runId);
        this.listings.delete(handle.runId);
        this.finished.runs++;
        this.finished.completedTasks += result.completedTasks;
        this.finished.failedTasks += result.failedTasks;
        this.byStatus[result.status] = (this.byStatus[result.status] ?? 0) + 1;
      },
      (err: unknown) => {
        // Abandoned by a store failure, or taken over by another dispatcher: the dispatcher
        // has logged why; nothing to count.
        this.active.delete(handle.runId);
        this.listings.delete(handle.runId);
        if ((err as { code?: unknown }).code === 'RUN_FENCED') this.log.info({ runId: handle.runId }, 'run no longer hosted here: another dispatcher has it');
        else if (!(err instanceof RunLeftUnfinishedError)) this.log.warn({ runId: handle.runId, err }, 'run abandoned'); // else the dispatcher said why
      },
    );
    return handle;
  }

  get(runId: string): RunHandle | undefined {
    return this.active.get(runId);
  }

  activeHandles(): RunHandle[] {
    return [...this.active.values()];
  }

  /** An active run's stored listing: read from `store`, or (null: unreachable) as last read. */
  storedListing(runId: string, store: SwarmStore | null): RunListing | undefined {
    if (store === null) return this.listings.get(runId);
    const listing = store.getRunListing(runId);
    if (listing && this.active.has(runId)) this.listings.set(runId, listing);
    return listing;
  }

  /** Runs that ended since the dispatcher started, by status, and their task totals. */
  finishedTotals(): { runs: number; completedTasks: number; failedTasks: number; byStatus: Partial<Record<RunStatus, number>> } {
    return { ...this.finished, byStatus: { ...this.byStatus } };
  }

  /** Progress of an active run: its counts and live actors, with its name and status as stored. */
  liveProgress(handle: RunHandle, stored: { name: string; status: RunStatus }): RunProgressView {
    // The counts are the live run's own: the stored row lags them (and is not read in an outage).
    const { settled, succeeded, failed, total, live, active } = handle.progress();
    let running = 0;
    for (const state of ON_NODE_STATES) running += live[state] ?? 0;
    return {
      runId: handle.runId,
      name: stored.name,
      status: stored.status,
      totalTasks: total,
      settledTasks: settled,
      completedTasks: succeeded,
      failedTasks: failed,
      runningTasks: running,
      activeTasks: active,
    };
  }
}
