import { SwarmError } from '../../errors.ts';
import { decodeJson, encodeJson } from '../json-columns.ts';
import { nodeFromRow, runFromRow, runListingFromRow, runRowFromNew, taskFromRow } from '../rows.ts';
import { COMMITTED, checkLeaseMs, type CommitOutcome, type LeaseClaim, type NewRunLease, type RunFence, type RunLease } from '../run-lease.ts';
import { storeClosedError } from '../store-errors.ts';
import { checkRunStatus, normalizeLimit } from '../validation.ts';
import type {
  ActorKind,
  NewRun,
  NewTask,
  NodeRecord,
  RunListing,
  RunRecord,
  RunStatus,
  StoreBatch,
  StoreCounts,
  SwarmStore,
  TaskFilter,
  TaskRecord,
  TaskStatus,
  TaskStatusCounts,
  TransitionRecord,
} from '../types.ts';
import { SyncBridge } from './bridge.ts';
import { PostgresQueryError, PostgresUnavailableError } from './errors.ts';
import { encodeBatch, encodeTasks, rowAt } from './columns.ts';
import { BRIDGE_MARGIN_MS, DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS, checkSchemaName } from './settings.ts';
import { redactUrl } from './url.ts';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 4; `[dispatcher] db_pool_size`). */
  poolSize?: number;
  /** Server-side bound on each statement and on connecting (default 10 s; `[dispatcher] db_statement_timeout`). */
  statementTimeoutMs?: number;
  /** Bound on one call through the bridge (default: the statement timeout + 5 s). */
  bridgeTimeoutMs?: number;
  /** Keep the tables in this schema, created if missing (default: the URL's search_path, usually public). */
  schema?: string;
  /** As the server shows the connections (pg_stat_activity); default "swarm". */
  applicationName?: string;
}

/**
 * Rows per call when reading a journal or a run's tasks: one message of 500,000 journal rows
 * would hold the whole copy twice in memory at once; pages of this size cost the same in total
 * (measured with bench/store-postgres.ts: ~1.1-1.4 s for 500,000 rows whether in pages of
 * 5,000, 20,000 or in one message) and keep each message a few megabytes.
 * Pages follow seq (or position), so a journal read in pages is still a consistent prefix:
 * seqs are committed in order (commit-function.ts).
 */
const TRANSITION_PAGE = 20_000;
const TASK_PAGE = 10_000;

/**
 * The SwarmStore on a PostgreSQL database, synchronous like the others: each call goes over a
 * SyncBridge to a worker thread holding Bun's connection pool, and blocks until answered or
 * until the bridge timeout. `location` is the URL with its password redacted.
 *
 * Throws PostgresUnavailableError (STORE_UNAVAILABLE) when the server cannot be reached, refuses
 * the login or does not answer in time, and SwarmError('STORE_SCHEMA') when the database was
 * written by a newer swarm. Several stores, in this process or others, may share a database.
 */
export class PostgresStore implements SwarmStore {
  readonly location: string;
  readonly schemaVersion: number;
  private readonly bridge: SyncBridge;
  private closed = false;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.location = redactUrl(url);
    const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    for (const [name, value] of [['poolSize', poolSize], ['statementTimeoutMs', statementTimeoutMs]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`Invalid ${name} ${value}; expected a whole number of 1 or more`);
    }
    try {
      new URL(url.trim());
    } catch (cause) {
      const why = 'the URL does not parse (percent-encode special characters in the user name and password, e.g. @ as %40)';
      throw new PostgresUnavailableError(this.location, 'connection', why, { cause });
    }
    this.bridge = new SyncBridge(
      {
        url: url.trim(),
        location: this.location,
        poolSize,
        statementTimeoutMs,
        ...(options.schema !== undefined && { schema: checkSchemaName(options.schema) }),
        applicationName: options.applicationName ?? 'swarm',
      },
      options.bridgeTimeoutMs ?? statementTimeoutMs + BRIDGE_MARGIN_MS,
    );
    try {
      this.schemaVersion = this.bridge.open();
    } catch (err) {
      this.bridge.close();
      if (err instanceof SwarmError) throw err;
      // At open, a refused statement (no schema to create tables in, no permission) means the
      // database cannot be used either.
      const detail = err instanceof PostgresQueryError ? `cannot create its tables: ${err.serverMessage}` : String(err);
      throw new PostgresUnavailableError(this.location, 'setup', detail, { cause: err });
    }
  }

  createRun(run: NewRun, tasks: NewTask[], lease?: NewRunLease): void {
    this.assertOpen();
    const row = runRowFromNew(run);
    if (lease) checkLeaseMs(lease.leaseMs);
    this.bridge.call('createRun', row, encodeTasks(row, tasks), lease ?? null);
  }

  commit(batch: StoreBatch): CommitOutcome {
    this.assertOpen();
    const empty =
      batch.transitions.length === 0 && batch.runs.length === 0 && batch.tasks.length === 0 && batch.nodes.length === 0;
    if (empty) return COMMITTED;
    return this.bridge.call('commit', encodeBatch(batch)) ?? COMMITTED;
  }

  getRun(runId: string): RunRecord | undefined {
    this.assertOpen();
    const row = this.bridge.call('getRun', runId);
    return row === null ? undefined : runFromRow(row);
  }

  getRunListing(runId: string): RunListing | undefined {
    this.assertOpen();
    const row = this.bridge.call('getRunListing', runId);
    return row === null ? undefined : runListingFromRow(row);
  }

  listRunsByIdPrefix(prefix: string, limit: number): RunListing[] {
    this.assertOpen();
    return this.bridge.call('listRunsByIdPrefix', prefix, normalizeLimit(limit)).map(runListingFromRow);
  }

  listRuns(options: { limit?: number; status?: RunStatus[] } = {}): RunListing[] {
    this.assertOpen();
    const limit = normalizeLimit(options.limit);
    const statuses = options.status === undefined ? null : options.status.map(checkRunStatus);
    return this.bridge.call('listRuns', limit === -1 ? null : limit, statuses).map(runListingFromRow);
  }

  listUnfinishedRunIds(): string[] {
    this.assertOpen();
    return this.bridge.call('listUnfinishedRunIds');
  }

  getTasks(runId: string, filter: TaskFilter = {}): TaskRecord[] {
    this.assertOpen();
    const limit = filter.limit ?? Infinity;
    const tasks: TaskRecord[] = [];
    for (let after = -1; ; ) {
      const pageSize = Math.min(TASK_PAGE, limit - tasks.length);
      if (pageSize <= 0) return tasks;
      const page = this.bridge.call('getTasks', runId, after, pageSize, filter.except ?? '');
      const n = page.name.length;
      for (let i = 0; i < n; i++) tasks.push(taskFromRow(rowAt(page, i)));
      if (n < pageSize) return tasks;
      after = page.position[n - 1];
    }
  }

  countTasksByStatus(runId: string): TaskStatusCounts {
    this.assertOpen();
    const counts: TaskStatusCounts = {};
    for (const { status, tasks } of this.bridge.call('countTasksByStatus', runId)) counts[status as TaskStatus] = tasks;
    return counts;
  }

  countUndoneSuccesses(runId: string): TaskStatusCounts {
    this.assertOpen();
    const counts: TaskStatusCounts = {};
    for (const { status, tasks } of this.bridge.call('countUndoneSuccesses', runId)) counts[status as TaskStatus] = tasks;
    return counts;
  }

  getTask(runId: string, name: string): TaskRecord | undefined {
    this.assertOpen();
    const row = this.bridge.call('getTask', runId, name);
    return row === null ? undefined : taskFromRow(row);
  }

  getTransitions(runId: string, options: { afterSeq?: number; limit?: number } = {}): TransitionRecord[] {
    this.assertOpen();
    const limit = normalizeLimit(options.limit);
    let wanted = limit === -1 ? Number.POSITIVE_INFINITY : limit;
    let after = options.afterSeq ?? 0;
    const rows: TransitionRecord[] = [];
    while (wanted > 0) {
      const size = Math.min(TRANSITION_PAGE, wanted);
      const page = this.bridge.call('getTransitions', runId, after, size);
      const n = page.seq.length;
      for (let i = 0; i < n; i++) {
        rows.push({
          seq: page.seq[i],
          runId: page.runId[i],
          actorId: page.actorId[i],
          actorKind: page.actorKind[i] as ActorKind,
          from: page.from[i],
          to: page.to[i],
          event: page.event[i],
          payload: decodeJson(page.payload[i]),
          at: page.at[i],
        });
      }
      if (n < size) break;
      wanted -= n;
      after = page.seq[n - 1];
    }
    return rows;
  }

  listNodes(): NodeRecord[] {
    this.assertOpen();
    return this.bridge.call('listNodes').map(nodeFromRow);
  }

  stateGet(key: string): unknown {
    this.assertOpen();
    const row = this.bridge.call('stateGet', key);
    return row === null ? undefined : decodeJson(row.value);
  }

  stateSet(key: string, value: unknown): void {
    this.assertOpen();
    this.bridge.call('stateSet', key, encodeJson(value), Date.now());
  }

  stateDelete(key: string): boolean {
    this.assertOpen();
    return this.bridge.call('stateDelete', key);
  }

  getRunLease(runId: string): RunLease | null {
    this.assertOpen();
    return this.bridge.call('getRunLease', runId);
  }

  claimRunLease(runId: string, claim: LeaseClaim): number | null {
    this.assertOpen();
    checkLeaseMs(claim.leaseMs);
    return this.bridge.call('claimRunLease', runId, claim);
  }

  renewRunLeases(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    this.assertOpen();
    checkLeaseMs(leaseMs);
    if (leases.length === 0) return [];
    return this.bridge.call('renewRunLeases', owner, leases.map((l) => l.runId), leases.map((l) => l.epoch), leaseMs);
  }

  counts(): StoreCounts {
    this.assertOpen();
    return this.bridge.call('counts');
  }

  deleteFinishedRunsBefore(before: number): number {
    this.assertOpen();
    return this.bridge.call('deleteFinishedRunsBefore', before);
  }

  deleteNodesLastSeenBefore(before: number): number {
    this.assertOpen();
    return this.bridge.call('deleteNodesLastSeenBefore', before);
  }

  /** Closes the pool and ends the worker thread; idempotent. The store cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bridge.close();
  }

  private assertOpen(): void {
    if (this.closed) throw storeClosedError(this.location);
  }
}
