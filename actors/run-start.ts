import { TERMINAL_TASK_STATES } from '../machines/task-machine.ts';
import { taskMessages, type CompensationReason, type TaskMessage } from '../src/messages.ts';
import type { RunGraph } from '../src/scheduling/run-graph.ts';
import type { TaskRecord, TaskStatus } from '../src/store/types.ts';

/**
 * What a run starts from besides its manifest. A fresh run starts from nothing; a replay
 * carries results over from the run it replays; a resumed run (its dispatcher stopped, or
 * crashed, while it was active) starts from its tasks as they were stored.
 */
export interface RunStart {
  /** Replay: tasks, by symbol name, whose output is carried over from `fromRun` instead of run. */
  reuse?: { fromRun: string; outputs: ReadonlyMap<string, unknown> };
  /** Resume: the run's own task rows as the store holds them. */
  resume?: readonly TaskRecord[];
  /** Nothing runs but compensations: a finished run rolled back by request, or a compensation taken up. */
  compensate?: CompensationStart;
}

/** Where a run's compensation starts from (see RunCompensation). */
export interface CompensationStart {
  why: CompensationReason;
  /** The run's tasks by status when the compensation began (what the coordinator counts). */
  settled: Partial<Record<TaskStatus, number>>;
  /** Compensations that had failed before the run was taken up. */
  failed: number;
}

/** A RunStart worked out against the run's graph: what the run coordinator does at start. */
export interface StartPlan {
  /** The first message a task gets when it becomes runnable, where it is not `task.depsMet`. */
  firstMessages: Map<number, TaskMessage>;
  /** Tasks to release at start besides the graph's roots (recovered, or unblocked by settled ones). */
  runnable: number[];
  /** Tasks that can never run (downstream of a task that settled unsuccessfully before the stop). */
  skips: { indexes: number[]; because: string }[];
  /** Tasks settled before the stop: they get no actor, only their counts (run.start) and outputs. */
  settled: number[];
  resumed?: Partial<Record<TaskStatus, number>>;
  /** Outputs of settled tasks, for the dependents that have yet to run. */
  outputs: Map<number, unknown>;
  /** The run starts compensating instead of running. */
  compensate: CompensationStart | null;
}

const TERMINAL = new Set<TaskStatus>(TERMINAL_TASK_STATES);

/** Works out `start` against `graph` (marking in the graph what is decided already). */
export function planStart(graph: RunGraph, start: RunStart = {}): StartPlan {
  const plan: StartPlan = { firstMessages: new Map(), runnable: [], skips: [], settled: [], outputs: new Map(), compensate: null };
  if (start.reuse) {
    const { fromRun, outputs } = start.reuse;
    for (const [name, output] of outputs) plan.firstMessages.set(graph.index(name), taskMessages.reuse(output, fromRun));
  }
  if (start.resume) planResume(graph, start.resume, plan);
  if (start.compensate) {
    plan.compensate = start.compensate;
    for (let i = 0; i < graph.size; i++) graph.markDecided(i);
  }
  return plan;
}

/**
 * A resumed run: settled tasks stay as they are (a succeeded task is never run again); tasks
 * that were in flight — ready, on a node, waiting for a retry, rolling back — run again as
 * new attempts; tasks that were still pending are released by the graph as usual. A task
 * blocked by an unsuccessful one whose skip had not been recorded yet is skipped now.
 */
function planResume(graph: RunGraph, records: readonly TaskRecord[], plan: StartPlan): void {
  const settled: TaskRecord[] = [];
  const succeeded: number[] = [];
  const unsuccessful: number[] = [];
  for (const record of records) {
    const i = graph.index(record.name);
    if (record.status === 'pending') continue;
    graph.markDecided(i);
    if (TERMINAL.has(record.status)) {
      plan.settled.push(i);
      settled.push(record);
      if (record.status === 'succeeded') {
        succeeded.push(i);
        plan.outputs.set(i, record.output);
      } else {
        unsuccessful.push(i);
      }
    } else if (record.status === 'rolling_back') {
      plan.firstMessages.set(i, taskMessages.recoverRollback(record.attempts, record.error));
      plan.runnable.push(i);
    } else {
      plan.firstMessages.set(i, taskMessages.recover(record.attempts));
      plan.runnable.push(i);
    }
  }
  // Order matters: every settled task is decided before any is released, so neither call
  // hands out a task that already has a state of its own.
  for (const i of succeeded) plan.runnable.push(...graph.succeeded(i));
  for (const i of unsuccessful) {
    const indexes = graph.blocked(i);
    if (indexes.length > 0) plan.skips.push({ indexes, because: graph.names.nameOf(i) });
  }
  if (settled.length > 0) plan.resumed = countByStatus(settled);
}

export function countByStatus(records: readonly { status: TaskStatus }[]): Partial<Record<TaskStatus, number>> {
  const byStatus: Partial<Record<TaskStatus, number>> = {};
  for (const r of records) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return byStatus;
}
