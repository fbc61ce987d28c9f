import type { SerializedError } from './errors.ts';
import type { RunRecord, RunStatus, SwarmStore, TaskRecord, TaskStatus } from './store/types.ts';

/** One symbol's outcome in a run, as `swarm run --json`, `show` and the API report it. */
export interface TaskResult {
  name: string;
  status: TaskStatus;
  attempts: number;
  output: unknown;
  error: SerializedError | null;
  node: string | null;
  rollbackOutput: unknown;
  rollbackError: SerializedError | null;
  reused: boolean;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A run's outcome: the JSON contract of design.md plus timing and lineage. */
export interface RunResult {
  runId: string;
  name: string;
  status: RunStatus;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  replayOf: string | null;
  createdAt: number;
  finishedAt: number | null;
  tasks: TaskResult[];
}

export function toTaskResult(task: TaskRecord): TaskResult {
  return {
    name: task.name,
    status: task.status,
    attempts: task.attempts,
    output: task.output,
    error: task.error,
    node: task.node,
    rollbackOutput: task.rollbackOutput,
    rollbackError: task.rollbackError,
    reused: task.reused,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
  };
}

export function toRunResult(run: RunRecord, tasks: TaskRecord[]): RunResult {
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    totalTasks: run.totalTasks,
    completedTasks: run.completedTasks,
    failedTasks: run.failedTasks,
    replayOf: run.replayOf,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    tasks: tasks.map(toTaskResult),
  };
}

/** Reads a run's result from the store; undefined when there is no such run. */
export function readRunResult(store: SwarmStore, runId: string): RunResult | undefined {
  const run = store.getRun(runId);
  return run ? toRunResult(run, store.getTasks(runId)) : undefined;
}
