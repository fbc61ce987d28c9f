import type { SerializedError } from '../errors.ts';
import type { ManifestFormat } from '../manifest/types.ts';
import type { BatchFencing, CommitOutcome, LeaseClaim, NewRunLease, RunFence, RunLease } from './run-lease.ts';

/**
 * The storage interface. Every implementation (SQLite, in-memory) passes the same conformance
 * suite in test/store-conformance.ts. Calls are synchronous on purpose: bun:sqlite is, and a
 * synchronous `commit` is what lets the coordinator guarantee "terminal state durable before
 * dependents are released" without an await in the hot path.
 */
export const TASK_STATUSES = [
  'pending',
  'ready',
  'assigned',
  'running',
  'succeeded',
  'failed',
  'retrying',
  'rolling_back',
  'rolled_back',
  'rollback_failed',
  'skipped',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const RUN_STATUSES = ['running', 'paused', 'succeeded', 'failed', 'cancelled', 'rolled_back', 'rollback_failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run that has ended: it may be replayed, rolled back or pruned, never resumed. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'rolled_back', 'rollback_failed'];
/** A run some process may still move (or take up): the rest. */
export const UNFINISHED_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => !FINISHED_RUN_STATUSES.includes(s));
export function isFinishedRun(status: RunStatus): boolean {
  return FINISHED_RUN_STATUSES.includes(status);
}

export const ACTOR_KINDS = ['dispatcher', 'coordinator', 'node', 'task'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface RunRecord {
  id: string;
  name: string;
  status: RunStatus;
  manifestSource: string;
  manifestFormat: ManifestFormat;
  /** The validated manifest as JSON (defaults filled in). */
  manifest: unknown;
  manifestPath: string | null;
  metadata: Record<string, unknown>;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  /** The run this one replays, if any. */
  replayOf: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/**
 * A run as lists show it: the record without its manifest (text and JSON, megabytes for a big
 * run), which `getRun` reads when one run is wanted.
 */
export type RunListing = Omit<RunRecord, 'manifestSource' | 'manifest'>;

export type NewRun = Omit<RunRecord, 'completedTasks' | 'failedTasks' | 'finishedAt' | 'status'> & {
  status?: RunStatus;
};

export interface TaskRecord {
  runId: string;
  name: string;
  status: TaskStatus;
  priority: number;
  dispatch: string;
  dependencies: string[];
  attempts: number;
  output: unknown;
  error: SerializedError | null;
  node: string | null;
  rollbackOutput: unknown;
  rollbackError: SerializedError | null;
  /** True when a replay carried this task's result over instead of running it. */
  reused: boolean;
  startedAt: number | null;
  finishedAt: number | null;
}

/**
 * A task created with its run. `runId` may be left out (it is the run's): a manifest's symbols
 * serve as they are, without a copy per task (a million of them for a big run).
 */
export type NewTask = Pick<TaskRecord, 'name' | 'priority' | 'dispatch' | 'dependencies'> &
  Partial<Pick<TaskRecord, 'runId' | 'status' | 'output' | 'reused'>>;

export type TaskPatch = Pick<TaskRecord, 'runId' | 'name'> &
  Partial<Omit<TaskRecord, 'runId' | 'name' | 'priority' | 'dispatch' | 'dependencies'>>;

export type RunPatch = Pick<RunRecord, 'id'> &
  Partial<Pick<RunRecord, 'status' | 'completedTasks' | 'failedTasks' | 'finishedAt'>>;

export interface NodeRecord {
  id: string;
  kind: 'local' | 'remote';
  status: string;
  capacity: number;
  running: number;
  capabilities: string[];
  lastSeenAt: number;
  startedAt: number;
}

/** A node as lists show it: with whether the process it ran in is gone (see listedNodes). */
export interface ListedNode extends NodeRecord {
  gone: boolean;
}

/** One journal row: a transition of one actor. `seq` is assigned by the store, increasing. */
export interface TransitionRecord {
  seq: number;
  runId: string | null;
  actorId: string;
  actorKind: ActorKind;
  from: string | null;
  to: string;
  event: string;
  payload: unknown;
  at: number;
}

export type NewTransition = Omit<TransitionRecord, 'seq'>;

/**
 * How a background commit ended: durable, with what `commit` would have returned; or refused,
 * with the error, where `earlier` says it was not even tried because one before it was refused.
 */
export type BackgroundCommitResult = { ok: true; outcome: CommitOutcome } | { ok: false; error: unknown; earlier: boolean };

/** Everything one group commit writes: journal rows and the projections that follow from them. */
export interface StoreBatch {
  transitions: NewTransition[];
  runs: RunPatch[];
  tasks: TaskPatch[];
  nodes: NodeRecord[];
  /**
   * The lease epochs the writer holds for the runs whose rows the batch writes (run-lease.ts).
   * Absent: written whatever the leases say (a writer that hosts no run, a tool, a test).
   */
  fencing?: BatchFencing;
}

export interface TaskFilter {
  except?: TaskStatus;
  limit?: number;
}

export type TaskStatusCounts = Partial<Record<TaskStatus, number>>;

/** The statuses a compensation takes a task to; the SQL of the stores' countUndoneSuccesses lists them too. */
export const COMPENSATION_STATUSES: readonly TaskStatus[] = ['rolling_back', 'rolled_back', 'rollback_failed'];

/**
 * A task a compensation took that had succeeded: one without an error of its own (a task that
 * failed keeps its error when it is undone). Its run still counts it succeeded.
 */
export function isUndoneSuccess(task: { status: TaskStatus; error: unknown }): boolean {
  return COMPENSATION_STATUSES.includes(task.status) && task.error === null;
}

/** A run row's `failedTasks`: tasks that ran and did not succeed (skipped and cancelled ones are not counted). */
export function failedCount(byStatus: TaskStatusCounts): number {
  return (byStatus.failed ?? 0) + (byStatus.rolled_back ?? 0) + (byStatus.rollback_failed ?? 0);
}

export interface StoreCounts {
  runs: number;
  tasks: number;
  transitions: number;
  nodes: number;
  state: number;
}

export interface SwarmStore {
  /** Where the data lives (a file path, or ':memory:'). */
  readonly location: string;
  readonly schemaVersion: number;

  /**
   * Records a new run and all its tasks (status pending unless given) in one transaction, with
   * its lease (epoch 1) when `lease` is given, so no other process ever sees it unowned.
   */
  createRun(run: NewRun, tasks: NewTask[], lease?: NewRunLease): void;
  /**
   * Writes a batch atomically: all of it is durable when this returns, or none of it. A
   * dispatcher or node row naming a run that no longer exists is kept with a null run id.
   * With `fencing`, the rows of runs whose lease epoch is no longer the one named are left out
   * (the outcome names those runs), and a batch whose number was already written for its runs
   * writes nothing again (see run-lease.ts).
   */
  commit(batch: StoreBatch): CommitOutcome;
  /**
   * Whether `commitInBackground` writes on a thread of the store's own (SQLite with a file), so
   * that a big commit costs its caller only the hand-over. Absent or false: it has none.
   */
  readonly backgroundCommits?: boolean;
  /**
   * Commits `batch` as `commit` would, on the store's background thread, and calls `done` once
   * it is durable or refused. Batches land in the order given. After one is refused, those
   * given after it are not written (`done` says `earlier`) until `resumeBackground()`.
   */
  commitInBackground?(batch: StoreBatch, done: (result: BackgroundCommitResult) => void): void;
  /**
   * Blocks until every background commit given so far has landed and its `done` has run, at
   * most `timeoutMs` (then throws): for a caller that needs everything durable now.
   */
  drainBackground?(timeoutMs: number): void;
  /** After a refused background commit: the thread writes again what it is given next. */
  resumeBackground?(): void;

  getRun(runId: string): RunRecord | undefined;
  /** The run without its manifest (cheap whatever the run's size), as listRuns gives it. */
  getRunListing(runId: string): RunListing | undefined;
  /**
   * The runs whose id starts with `prefix`, in id order, at most `limit`: an index range, so a
   * short id typed by hand is looked up without listing every run.
   */
  listRunsByIdPrefix(prefix: string, limit: number): RunListing[];
  /** Newest first, without manifests (RunListing). */
  listRuns(options?: { limit?: number; status?: RunStatus[] }): RunListing[];
  /** Ids of the runs that are running or paused, oldest first: cheap (no manifests read). */
  listUnfinishedRunIds(): string[];
  /**
   * In the order the tasks were created (manifest order). `except` leaves out the tasks in that
   * status, `limit` stops after that many: the few that failed of a million-task run.
   */
  getTasks(runId: string, filter?: TaskFilter): TaskRecord[];
  /** How many of the run's tasks are in each status; statuses without a task are left out. */
  countTasksByStatus(runId: string): TaskStatusCounts;
  /**
   * Of the run's tasks a compensation has taken (rolling_back, rolled_back, rollback_failed),
   * how many in each of those statuses had succeeded: those without an error of their own (a
   * task that failed keeps its error when it is undone). Its run still counts them succeeded.
   */
  countUndoneSuccesses(runId: string): TaskStatusCounts;
  getTask(runId: string, name: string): TaskRecord | undefined;
  /** Ordered by seq. */
  getTransitions(runId: string, options?: { afterSeq?: number; limit?: number }): TransitionRecord[];
  listNodes(): NodeRecord[];

  stateGet(key: string): unknown;
  stateSet(key: string, value: unknown): void;
  stateDelete(key: string): boolean;

  /** The run's lease as of now by the store's clock, or null when no process ever hosted it. */
  getRunLease(runId: string): RunLease | null;
  /**
   * Takes the run's lease for `claim.owner`, atomically, if its epoch is still `claim.fromEpoch`
   * (and, with `onlyIfExpired`, the lease has expired by the store's clock): returns the new
   * epoch, or null when another process changed it meanwhile or the lease is still running, so
   * two processes taking over the same run cannot both host it. RunNotFoundError for no such run.
   */
  claimRunLease(runId: string, claim: LeaseClaim): number | null;
  /**
   * Extends each lease `owner` still holds at the epoch given to `leaseMs` from now by the
   * store's clock, in one statement, and returns the ids of those runs; the others have passed
   * to another process (or their run is gone). An expired lease nobody claimed is still held.
   */
  renewRunLeases(owner: string, leases: readonly RunFence[], leaseMs: number): string[];

  counts(): StoreCounts;
  /** Deletes finished runs (and their tasks and journal) created before `before` (ms epoch). */
  deleteFinishedRunsBefore(before: number): number;
  /**
   * Deletes the rows of nodes last seen before `before` (ms epoch), whatever their status, and
   * the journal rows of node actors that name no run recorded before it (a node's rows that
   * name a run go with the run). Returns the node rows deleted. A node still alive writes its
   * row again at its next change: the table is for inspection, and without this every worker
   * name ever connected (a pod's random name, a name with a pid) would stay in it for good.
   */
  deleteNodesLastSeenBefore(before: number): number;
  close(): void;
}
