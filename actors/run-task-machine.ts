import { exponentialBackoff, taskMachine, type TaskContext } from '../machines/task-machine.ts';
import type { TaskStatus } from '../src/store/types.ts';

/** What a run's task actors ask of the run that hosts them, by task index (RunCoordinator). */
export interface RunTaskHost {
  /** The index of the live task named `name`, or undefined when it is no longer live. */
  indexOf(name: string): number | undefined;
  onReady(i: number): void;
  readyLeft(): void;
  startAttempt(i: number, attempt: number): void;
  abort(i: number, kind: 'run' | 'rollback', attempt: number, reason: string): void;
  startRollback(i: number): void;
  onSettled(i: number, status: TaskStatus): void;
  random(): number;
}

/** The task machine with a run's implementations: its host actions and the retry delay. */
export function runTaskMachine(host: RunTaskHost) {
  // What a task asks of the host, by its index. A task that is no longer live (the run was
  // abandoned in the middle of its step, say) asks for nothing more.
  const live =
    <P,>(act: (i: number, context: TaskContext, params: P) => void) =>
    ({ context }: { context: TaskContext }, params: P) => {
      const i = host.indexOf(context.name);
      if (i !== undefined) act(i, context, params);
    };
  return taskMachine.provide({
    actions: {
      announceReady: live((i) => host.onReady(i)),
      leaveReady: () => host.readyLeft(),
      startAttempt: live((i, context) => host.startAttempt(i, context.attempt)),
      abortAttempt: live((i, context) => host.abort(i, 'run', context.attempt, 'attempt stopped')),
      startRollback: live((i) => host.startRollback(i)),
      abortRollback: live((i, context) => host.abort(i, 'rollback', context.attempt, 'rollback timed out')),
      announceSettled: live((i, _context, { status }: { status: TaskStatus }) => host.onSettled(i, status)),
    },
    delays: {
      // Equal jitter: half the exponential delay, plus a random share of the other half,
      // so retries of many tasks that failed together do not stampede together.
      retryDelay: ({ context }) => {
        const d = exponentialBackoff(context.attempt, context.backoff.base, context.backoff.max);
        return Math.round(d / 2 + (host.random() * d) / 2);
      },
    },
  });
}
