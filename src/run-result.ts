import type { SerializedError } from './errors.ts';
import { dependencyEdges, type DagEdge } from './graph/dag.ts';
import type { RunListing, RunRecord, RunStatus, SwarmStore, TaskRecord, TaskStatus } from './store/types.ts';

/** One symbol's outcome in a run, as `swarm run --json`, `show` and the API report it. */
export type TaskResult = Omit<TaskRecord, 'runId' | 'priority' | 'dispatch' | 'dependencies'>;

/** A run without its tasks, as `swarm runs` lists it. */
export interface RunSummary {
  runId: string;
  name: string;
  status: RunStatus;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  replayOf: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** A run's outcome: the JSON of `run --json` and `show --json` (README, CLI reference), with timing and lineage. */
export interface RunResult extends RunSummary {
  tasks: TaskResult[];
  /** The dependency edges, from each dependency to its dependent. */
  edges: DagEdge[];
}

/**
 * An error as people and scripts read it: name, code, message. The stack (frames of the
 * swarm's own executor, paths of this machine) stays in the journal, for `history --json`.
 */
function withoutStack(error: SerializedError | null): SerializedError | null {
  if (error === null) return null;
  return { name: error.name, ...(error.code !== undefined && { code: error.code }), message: error.message };
}

export function toTaskResult(task: TaskRecord): TaskResult {
  return {
    name: task.name,
    status: task.status,
    attempts: task.attempts,
    output: task.output,
    error: withoutStack(task.error),
    node: task.node,
    rollbackOutput: task.rollbackOutput,
    rollbackError: withoutStack(task.rollbackError),
    reused: task.reused,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
  };
}

export function toRunSummary(run: RunListing): RunSummary {
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
  };
}

export function toRunResult(run: RunListing, tasks: TaskRecord[]): RunResult {
  return { ...toRunSummary(run), tasks: tasks.map(toTaskResult), edges: dependencyEdges(tasks) };
}

/** Reads a run's result from the store; undefined when there is no such run. */
export function readRunResult(store: SwarmStore, runId: string): RunResult | undefined {
  const run = store.getRunListing(runId);
  return run ? toRunResult(run, store.getTasks(runId)) : undefined;
}
