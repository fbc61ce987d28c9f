import type { Clock } from '../src/clock.ts';
import type { RunStatus, SwarmStore } from '../src/store/types.ts';
import type { CommitBarrier } from './commit-barrier.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import type { RunCoordinator } from './run-coordinator.ts';
import type { SwarmScheduler } from './swarm-scheduler.ts';
import type { TaskEngineName } from './task-engine/task-engines.ts';

/** What every run shares with the dispatcher that hosts it. */
export interface RunEnvironment {
  store: SwarmStore;
  journal: JournalRecorder;
  scheduler: SwarmScheduler;
  barrier: CommitBarrier;
  clock: Clock;
  random: () => number;
  backoff: { base: number; max: number };
  /** How task actors run (`[dispatcher] task_engine`; actors/task-engine/). */
  taskEngine: TaskEngineName;
  /** How long running tasks may go on after a cancel before they are aborted. */
  cancelGraceMs: number;
  /**
   * Whether the run may hand work to a node now: false while its lease may be lapsing or the
   * state database is unavailable (actors/leases/). Checked at each hand-over, so no job goes
   * out after the lease may have passed, whatever order timers fire in.
   */
  mayDispatch(runId: string): boolean;
  onFinished(run: RunCoordinator, status: RunStatus): void;
}
