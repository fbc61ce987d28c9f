import { readRunResult, type RunResult, type RunSummary } from '../src/run-result.ts';
import type { SwarmStore } from '../src/store/types.ts';
import type { RunCoordinator } from './run-coordinator.ts';

/** A deployed run: its id, its eventual result, and control over it. */
export interface RunHandle {
  runId: string;
  /** Settles when the run ends: its status and counts, without its tasks (cheap at any size). */
  finished: Promise<RunSummary>;
  /**
   * The run's whole result, every task with its output, read from the store once the run has
   * ended. Read when first asked for (a run of a million tasks makes a result of gigabytes), so
   * ask before the dispatcher stops.
   */
  readonly result: Promise<RunResult>;
  cancel(reason?: string): void;
  pause(): void;
  resume(): void;
  /** The run's state now: running, paused, cancelling, compensating, or how it ended. */
  state(): string;
  /** How the run ends when all goes well: succeeded, or rolled_back for a rollback by request (taken up or not). */
  readonly goal: 'succeeded' | 'rolled_back';
  /** Task counts (settled, succeeded, failed as the run row counts them, total), live task states, and a few of the active tasks' names, for progress displays. */
  progress(): RunProgress;
}

export interface RunProgress {
  settled: number;
  succeeded: number;
  failed: number;
  total: number;
  live: Record<string, number>;
  active: { running: string[]; retrying: string[] };
}

/** The handle of a run the dispatcher hosts, reading its result from `store` when asked. */
export function runHandle(run: RunCoordinator, store: SwarmStore): RunHandle {
  let result: Promise<RunResult> | null = null;
  return {
    runId: run.runId,
    finished: run.finished,
    get result() {
      result ??= run.finished.then(() => readRunResult(store, run.runId)!);
      return result;
    },
    cancel: (reason = 'cancelled by request') => run.cancel(reason),
    pause: () => run.pause(),
    resume: () => run.resume(),
    state: () => run.state,
    goal: run.goal,
    progress: () => ({ ...run.settledCounts(), total: run.total, live: run.liveStates(), active: run.activeNames() }),
  };
}
