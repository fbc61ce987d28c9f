/**
 * What crosses the bridge between PostgresStore (main thread) and its worker thread. Rows go
 * as the store encodes them (JSON fields as JSON text, see ../rows.ts), and batches as column
 * arrays, which the worker binds as PostgreSQL arrays: one parameter per column whatever the
 * row count, and a structured clone of a few arrays is far cheaper than one of many objects.
 */
import type { ColumnValue, NodeRow, RunListingRow, RunRow, TaskRow, TransitionRow } from '../rows.ts';
import type { CommitOutcome, LeaseClaim, NewRunLease, RunLease } from '../run-lease.ts';

/** How the worker connects; given once, when it starts. */
export interface WorkerSettings {
  /** The real URL, password included: it never leaves the two threads. */
  url: string;
  /** The URL as logs and errors show it (password redacted). */
  location: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** Tables live in this schema (created if missing); unset: the URL's search_path. */
  schema?: string;
  applicationName: string;
}

/** A journal batch, one array per column, rows in commit order. */
export interface TransitionColumns {
  runId: (string | null)[];
  actorId: string[];
  actorKind: string[];
  from: (string | null)[];
  to: string[];
  event: string[];
  payload: (string | null)[];
  at: number[];
}

/** Patches as column arrays: `mask` says which fields each one gives (bit i: field i). */
export interface PatchColumns {
  /** The key columns: [runId, name] for tasks, [id] for runs. */
  keys: string[][];
  mask: number[];
  /** One array per patch field, in the order of the field list; null where not given. */
  fields: ColumnValue[][];
}

export type NodeColumns = Columns<NodeRow>;
export type TaskColumns = Columns<TaskRow>;

/** A batch's fencing (../run-lease.ts) as columns; no runs: an unfenced batch. */
export interface FenceColumns {
  runId: string[];
  epoch: number[];
  resent: boolean;
}

export interface CommitArgs {
  transitions: TransitionColumns;
  runs: PatchColumns;
  tasks: PatchColumns;
  nodes: NodeColumns;
  fences: FenceColumns;
}

/** Rows as one array per field: what a page of a long read crosses the bridge as. */
export type Columns<R> = { [K in keyof R]: R[K][] };

/** The order the worker selects each paged read's columns in (queries.ts). */
export const TRANSITION_KEYS = [
  'seq', 'runId', 'actorId', 'actorKind', 'from', 'to', 'event', 'payload', 'at',
] as const satisfies readonly (keyof TransitionRow)[];
export const TASK_KEYS = [
  'runId', 'name', 'position', 'status', 'priority', 'dispatch', 'dependencies', 'attempts', 'output', 'error',
  'node', 'rollbackOutput', 'rollbackError', 'reused', 'startedAt', 'finishedAt',
] as const satisfies readonly (keyof TaskRow)[];

/** Every call the worker answers, with its arguments and its result. */
export interface Operations {
  open: { args: []; result: { schemaVersion: number } };
  createRun: { args: [run: RunRow, tasks: TaskColumns, lease: NewRunLease | null]; result: null };
  commit: { args: [CommitArgs]; result: CommitOutcome | null };
  getRun: { args: [runId: string]; result: RunRow | null };
  getRunListing: { args: [runId: string]; result: RunListingRow | null };
  listRuns: { args: [limit: number | null, statuses: string[] | null]; result: RunListingRow[] };
  listRunsByIdPrefix: { args: [prefix: string, limit: number]; result: RunListingRow[] };
  listUnfinishedRunIds: { args: []; result: string[] };
  /** `exceptStatus`: '' for none left out. */
  getTasks: { args: [runId: string, afterPosition: number, limit: number, exceptStatus: string]; result: TaskColumns };
  countTasksByStatus: { args: [runId: string]; result: { status: string; tasks: number }[] };
  countUndoneSuccesses: { args: [runId: string]; result: { status: string; tasks: number }[] };
  getTask: { args: [runId: string, name: string]; result: TaskRow | null };
  getTransitions: { args: [runId: string, afterSeq: number, limit: number]; result: Columns<TransitionRow> };
  listNodes: { args: []; result: NodeRow[] };
  stateGet: { args: [key: string]; result: { value: string | null } | null };
  stateSet: { args: [key: string, value: string | null, at: number]; result: null };
  stateDelete: { args: [key: string]; result: boolean };
  getRunLease: { args: [runId: string]; result: RunLease | null };
  claimRunLease: { args: [runId: string, claim: LeaseClaim]; result: number | null };
  renewRunLeases: { args: [owner: string, runIds: string[], epochs: number[], leaseMs: number]; result: string[] };
  counts: { args: []; result: Record<'runs' | 'tasks' | 'transitions' | 'nodes' | 'state', number> };
  deleteFinishedRunsBefore: { args: [before: number]; result: number };
  deleteNodesLastSeenBefore: { args: [before: number]; result: number };
  close: { args: []; result: null };
}

export type OperationName = keyof Operations;

export interface Request<K extends OperationName = OperationName> {
  id: number;
  op: K;
  args: Operations[K]['args'];
}

/** An error as the worker reports it; the main thread turns it back into a class (errors.ts). */
export type WireError =
  | { kind: 'runNotFound'; runId: string }
  | { kind: 'taskNotFound'; runId: string; name: string }
  | { kind: 'schemaTooNew'; found: number; latest: number }
  /** The schema holds another program's tables (migrate.ts): the first few names. */
  | { kind: 'notAStateDatabase'; schema: string; tables: string }
  /** The server or the connection to it failed (down, refused, terminated, timed out, out of resources). */
  | { kind: 'unavailable'; message: string; sqlState?: string; code?: string }
  /** The server refused this statement (a constraint, bad input): the store itself is fine. */
  | { kind: 'query'; message: string; sqlState?: string; code?: string };

/**
 * Sent when the main thread has waited a call's whole budget: the worker cancels the call's
 * queries (the server stops the statement, so nothing of it commits) and answers as usual.
 */
export interface CancelRequest {
  cancel: true;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
