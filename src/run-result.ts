import type { SerializedError } from './errors.ts';
import type { Interruption } from './interruption.ts';
import { dependencyEdges, type DagEdge } from './graph/dag.ts';
import { COMPENSATION_STATUSES, failedCount, isFinishedRun, isUndoneSuccess, type RunListing, type RunStatus, type SwarmStore, type TaskRecord, type TaskStatusCounts } from './store/types.ts';

/** One symbol's outcome in a run, as `swarm run --json`, `show` and the API report it. */
export type TaskResult = Omit<TaskRecord, 'runId' | 'priority' | 'dispatch' | 'dependencies'>;

function countByStatus(tasks: readonly { status: TaskRecord['status'] }[]): TaskStatusCounts {
  const byStatus: TaskStatusCounts = {};
  for (const task of tasks) byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
  return byStatus;
}

/**
 * A run row's counts, from its tasks' counts by status: as its coordinator counts them, a
 * symbol a compensation is undoing (or has undone) as the success it was, not as a failure.
 * `undone` counts those (SwarmStore.countUndoneSuccesses).
 */
function runCounts(byStatus: TaskStatusCounts, undone: TaskStatusCounts): Pick<RunSummary, 'completedTasks' | 'failedTasks'> {
  let undoneCount = 0;
  for (const n of Object.values(undone)) undoneCount += n ?? 0;
  return { completedTasks: (byStatus.succeeded ?? 0) + undoneCount, failedTasks: failedCount(byStatus) - failedCount(undone) };
}

/** An unfinished run's counts, from its tasks' rows in the store (its row may lag them). */
export function recountRun(store: SwarmStore, runId: string, byStatus = store.countTasksByStatus(runId)): Pick<RunSummary, 'completedTasks' | 'failedTasks'> {
  // The second count only when a compensation has begun: most runs never have one.
  const compensating = COMPENSATION_STATUSES.some((status) => (byStatus[status] ?? 0) > 0);
  return runCounts(byStatus, compensating ? store.countUndoneSuccesses(runId) : {});
}

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
  return { name: error.name, code: error.code, message: error.message };
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

/**
 * A run as lists show it (`swarm runs --json`, GET /api/runs, the dashboard's runs): its
 * summary, its file, and whether it is interrupted (unfinished, its process gone).
 */
export interface ListedRun extends RunSummary {
  manifestPath: string | null;
  interrupted: boolean;
  /** Why, when interrupted. */
  interruption?: Interruption;
  /** When interrupted: the command that takes it up, with the reader's config and --db (run-liveness.ts listedRun). */
  resumeCommand?: string;
  /**
   * When the run's own work ended: `finishedAt`, but for a run rolled back by hand later, whose
   * stored `finishedAt` moved to the rollback's end (null while it runs).
   */
  endedAt: number | null;
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
  // An unfinished run's row can lag its tasks (up to 100 ms of settlements are on their way,
  // actors/settled-tally.ts, and die with a killed process); the tasks listed here say.
  const counted = isFinishedRun(run.status) ? {} : runCounts(countByStatus(tasks), countByStatus(tasks.filter(isUndoneSuccess)));
  return { ...toRunSummary(run), ...counted, tasks: tasks.map(toTaskResult), edges: dependencyEdges(tasks) };
}

/** Tasks a run's outcome lists at most: no one reads a table of thousands of tasks. */
export const TASKS_LISTED = 200;

/**
 * What `swarm run` and `swarm deploy` print of an ended run (the table and the line under it),
 * read without reading every task of a big run: its summary, its counts by status, and the
 * tasks to list — all of a run of at most TASKS_LISTED tasks, else the first TASKS_LISTED of
 * those that did not succeed.
 */
export interface RunOutcome extends RunSummary {
  statusCounts: TaskStatusCounts;
  tasks: TaskResult[];
}

/** Reads a run's outcome from the store; undefined when there is no such run. */
export function readRunOutcome(store: SwarmStore, runId: string): RunOutcome | undefined {
  const run = store.getRunListing(runId);
  if (!run) return undefined;
  const tasks = run.totalTasks <= TASKS_LISTED ? store.getTasks(runId) : store.getTasks(runId, { except: 'succeeded', limit: TASKS_LISTED });
  const statusCounts = store.countTasksByStatus(runId);
  // As in toRunResult: an unfinished run's row may lag its tasks, which say.
  const counted = isFinishedRun(run.status) ? {} : recountRun(store, runId, statusCounts);
  return { ...toRunSummary(run), ...counted, statusCounts, tasks: tasks.map(toTaskResult) };
}

/** The outcome of a result already read whole (`swarm show`, `--json` runs). */
export function outcomeOf(result: RunResult): RunOutcome {
  const statusCounts = countByStatus(result.tasks);
  const { tasks: all, edges: _edges, ...summary } = result;
  const tasks = all.length <= TASKS_LISTED ? all : all.filter((t) => t.status !== 'succeeded').slice(0, TASKS_LISTED);
  return { ...summary, statusCounts, tasks };
}

/** Reads a run's result from the store; undefined when there is no such run. */
export function readRunResult(store: SwarmStore, runId: string): RunResult | undefined {
  const run = store.getRunListing(runId);
  return run ? toRunResult(run, store.getTasks(runId)) : undefined;
}
