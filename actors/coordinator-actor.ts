import { coordinatorMachine } from '../machines/coordinator-machine.ts';
import { TERMINAL_TASK_STATES } from '../machines/task-machine.ts';
import type { Manifest } from '../src/manifest/types.ts';
import { coordinatorMessages, type CoordinatorMessage, type SettledTask } from '../src/messages.ts';
import { failedCount, type RunStatus, type TaskStatus } from '../src/store/types.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import { projectRun } from './journal/projections.ts';
import { coordinatorInputOf } from './run-inputs.ts';
import { SettledTally } from './settled-tally.ts';

/** What the coordinator machine's named actions do in the run (RunCoordinator). */
export interface CoordinatorHost {
  beginScheduling(): void;
  pauseDispatching(): void;
  resumeDispatching(): void;
  cancelOutstanding(reason: string): void;
  beginCompensation(): void;
  announceFinished(status: RunStatus): void;
}

/** States a task rests in once settled (its actor is dropped when the commit lets it settle). */
const FINAL_STATES: ReadonlySet<string> = new Set(TERMINAL_TASK_STATES);

/**
 * A run's coordinator: its XState actor (journaled) and the settled tasks on their way to it
 * (SettledTally). Any other event reaches it after the settled tasks it has not counted yet, so
 * it sees them in the order they happened.
 */
export class CoordinatorActor {
  private readonly actor;
  private readonly tally = new SettledTally((settled) => this.actor.send(coordinatorMessages.tasksSettled(settled)));

  constructor(journal: JournalRecorder, runId: string, manifest: Manifest, host: CoordinatorHost) {
    this.actor = journal.createActor(
      coordinatorMachine.provide({
        actions: {
          beginScheduling: () => host.beginScheduling(),
          pauseDispatching: () => host.pauseDispatching(),
          resumeDispatching: () => host.resumeDispatching(),
          cancelOutstanding: ({ context }) => host.cancelOutstanding(context.cancelReason ?? 'cancelled'),
          beginCompensation: () => host.beginCompensation(),
          announceFinished: (_, { status }) => host.announceFinished(status),
        },
      }),
      { actorId: `coordinator:${runId}`, kind: 'coordinator', runId, project: projectRun },
      coordinatorInputOf(runId, manifest),
    );
  }

  /** Starts the actor with its first event (`run.start` or `run.compensate`). */
  start(first: CoordinatorMessage): void {
    this.actor.start();
    this.actor.send(first);
  }

  /** An event, after the settled tasks the coordinator has not counted yet. */
  tell(message: CoordinatorMessage): void {
    this.tally.flush();
    this.actor.send(message);
  }

  /** Tasks just settled; `nothingLive`: the run has no live task left (see SettledTally). */
  settled(tasks: readonly SettledTask[], nothingLive: boolean): void {
    this.tally.add(tasks, nothingLive);
  }

  /**
   * Settled tasks so far: those the coordinator counted, those on their way to it, and those
   * whose live actor rests in a final state until a commit settles it (`liveStates`; during a
   * store outage, until it ends). Null while compensating: those tasks were counted when they succeeded.
   */
  counts(liveStates: Record<string, number> | null): { settled: number; succeeded: number; failed: number } {
    const { context } = this.actor.getSnapshot();
    const byStatus = this.tally.countInto({ ...context.byStatus });
    let settled = context.settled + this.tally.size;
    for (const [state, n] of Object.entries(liveStates ?? {})) {
      if (!FINAL_STATES.has(state)) continue;
      byStatus[state as TaskStatus] = (byStatus[state as TaskStatus] ?? 0) + n;
      settled += n;
    }
    return { settled, succeeded: byStatus.succeeded ?? 0, failed: failedCount(byStatus) };
  }

  /** The coordinator's state: running, paused, cancelling, compensating, or how the run ended. */
  get state(): string {
    return String(this.actor.getSnapshot().value);
  }

  /** Tells nothing more: the run ended or was given up. */
  stop(): void {
    this.tally.stop();
    this.actor.stop();
  }
}
