import type { SerializedError } from '../errors.ts';
import type { ManifestFormat } from '../manifest/types.ts';

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

export type NewTask = Pick<TaskRecord, 'runId' | 'name' | 'priority' | 'dispatch' | 'dependencies'> &
  Partial<Pick<TaskRecord, 'status' | 'output' | 'reused'>>;

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

/** Everything one group commit writes: journal rows and the projections that follow from them. */
export interface StoreBatch {
  transitions: NewTransition[];
  runs: RunPatch[];
  tasks: TaskPatch[];
  nodes: NodeRecord[];
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

  /** Records a new run and all its tasks (status pending unless given) in one transaction. */
  createRun(run: NewRun, tasks: NewTask[]): void;
  /**
   * Writes a batch atomically: all of it is durable when this returns, or none of it. A
   * dispatcher or node row naming a run that no longer exists is kept with a null run id.
   */
  commit(batch: StoreBatch): void;

  getRun(runId: string): RunRecord | undefined;
  /** The run without its manifest (cheap whatever the run's size), as listRuns gives it. */
  getRunListing(runId: string): RunListing | undefined;
  /** Newest first, without manifests (RunListing). */
  listRuns(options?: { limit?: number; status?: RunStatus[] }): RunListing[];
  /** Ids of the runs that are running or paused, oldest first: cheap (no manifests read). */
  listUnfinishedRunIds(): string[];
  /** In the order the tasks were created (manifest order). */
  getTasks(runId: string): TaskRecord[];
  getTask(runId: string, name: string): TaskRecord | undefined;
  /** Ordered by seq. */
  getTransitions(runId: string, options?: { afterSeq?: number; limit?: number }): TransitionRecord[];
  listNodes(): NodeRecord[];

  stateGet(key: string): unknown;
  stateSet(key: string, value: unknown): void;
  stateDelete(key: string): boolean;

  /** Records which process hosts the run now (see src/run-owner.ts). */
  setRunOwner(runId: string, owner: string): void;
  /** The process that last claimed the run, or null when none did. */
  getRunOwner(runId: string): string | null;
  /**
   * Takes the run over from `previous` (null: it has no owner yet), atomically: false when
   * another process changed its owner meanwhile, so two processes resuming the same orphan
   * cannot both host it.
   */
  claimRunOwner(runId: string, owner: string, previous: string | null): boolean;

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
