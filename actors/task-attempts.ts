import { attemptKey, type ExecutionOutcome } from '../src/execution.ts';
import { taskMessages, type TaskMessage } from '../src/messages.ts';
import { checkedOutcome } from '../src/task-output.ts';
import { rollbackRequest, runRequest } from './execution-requests.ts';
import type { RunSymbols } from './run-symbols.ts';
import type { AttemptSink, NodeRuntime } from './node-runtime.ts';
import type { TaskOutputs } from './task-outputs.ts';

/**
 * The node side of a run's tasks: which node each task's current attempt (or rollback) is on,
 * the requests sent there, and the node's answers turned back into task events. Answers are
 * sent to whatever actor the task has when they arrive (`send`), so one that comes after the
 * task settled goes nowhere.
 */
export class TaskAttempts {
  private readonly nodeOf = new Map<number, NodeRuntime>();

  constructor(
    private readonly runId: string,
    private readonly symbols: RunSymbols,
    private readonly baseDir: string | null,
    private readonly outputs: TaskOutputs,
    private readonly send: (i: number, message: TaskMessage) => void,
  ) {}

  /** The scheduler chose `node` for task i's next attempt or rollback. */
  assigned(i: number, node: NodeRuntime): void {
    this.nodeOf.set(i, node);
  }

  /** Sends attempt `attempt` of task i to the node it was assigned. */
  startAttempt(i: number, attempt: number): void {
    const request = runRequest(this.runId, this.symbols.at(i), attempt, this.outputs.dependenciesOf(i), this.baseDir);
    // An outcome proves the attempt ran, whether or not the node said so first (a worker may
    // skip `started`): the task hears `started` once, always before the outcome.
    let started = false;
    const sink: AttemptSink = {
      started: () => {
        if (started) return;
        started = true;
        this.send(i, taskMessages.started(attempt));
      },
      finished: (reported: ExecutionOutcome) => {
        sink.started();
        // Checked again here, where it must hold: a remote worker's frame can carry a value
        // nested deeper than JSON.stringify can write, and it must fail this attempt, not
        // the commit that holds every run's rows.
        const outcome = checkedOutcome(reported, `Symbol "${request.task}"`);
        this.send(
          i,
          outcome.ok ? taskMessages.succeeded(attempt, outcome.output) : taskMessages.failed(attempt, outcome.error, outcome.retryable),
        );
      },
      returned: () => {
        if (!started) this.send(i, taskMessages.returned(attempt));
      },
    };
    this.nodeOf.get(i)!.execute(request, sink);
  }

  /** Sends task i's rollback, with its own output (what to undo), to the node it was assigned. */
  startRollback(i: number, attempt: number, ownOutput: unknown): void {
    const request = rollbackRequest(this.runId, this.symbols.at(i), attempt, this.outputs.dependenciesOf(i), ownOutput, this.baseDir);
    this.nodeOf.get(i)!.execute(request, {
      started: () => {},
      finished: (reported) => {
        const outcome = checkedOutcome(reported, `The rollback of "${request.task}"`);
        this.send(i, outcome.ok ? taskMessages.rollbackSucceeded(outcome.output) : taskMessages.rollbackFailed(outcome.error));
      },
    });
  }

  abort(i: number, kind: 'run' | 'rollback', attempt: number, reason: string): void {
    this.nodeOf.get(i)?.abort(attemptKey({ runId: this.runId, task: this.symbols.nameOf(i), attempt, kind }), reason);
  }

  /** Task i has nothing on a node any more (it settled). */
  forget(i: number): void {
    this.nodeOf.delete(i);
  }
}
