import type { Database } from 'bun:sqlite';
import { availableParallelism } from 'node:os';
import { encodeJson, decodeJson } from './json-columns.ts';
import {
  RUN_PATCH_FIELDS,
  TASK_PATCH_FIELDS,
  nodeFromRow,
  runFromRow,
  runRowFromNew,
  taskFromRow,
  taskRowFromNew,
  transitionFromRow,
  type RunRow,
  runListingFromRow,
  type ColumnValue,
} from './rows.ts';
import { collectYoungGarbage } from '../garbage-collection.ts';
import { joinManifest, splitManifest, type ManifestInParts } from './manifest-parts.ts';
import { DEFAULT_CHECKPOINTER, WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.ts';
import { BUSY_TIMEOUT_MS, openDatabase, type ConnectionOptions } from './sqlite-connection.ts';
import { SqliteLeases } from './sqlite-leases.ts';
import { ROWS_PER_INSERT, SqliteStatements } from './sqlite-statements.ts';
import { expandRow } from './merged-transitions.ts';
import { COMMITTED, type CommitOutcome, type LeaseClaim, type NewRunLease, type RunFence, type RunLease } from './run-lease.ts';
import { isSqliteBusy, StoreLockedError, storeClosedError } from './store-errors.ts';
import { checkRunStatus, normalizeLimit } from './validation.ts';
import { BackgroundWriter } from './background-writer.ts';
import { writeBatch } from './sqlite-commit.ts';
import type {
  BackgroundCommitResult,
  NewRun,
  NewTask,
  NodeRecord,
  RunRecord,
  RunStatus,
  StoreBatch,
  StoreCounts,
  SwarmStore,
  TaskFilter,
  TaskRecord,
  TaskStatusCounts,
  TransitionRecord,
  RunListing,
} from './types.ts';

/** Rows, and manifest parts (~5 MB of text and copies each), between young collections. */
const ROWS_BETWEEN_COLLECTIONS = 32 * 1024;
const PARTS_BETWEEN_COLLECTIONS = 4;

/** Whether a writer thread can run beside the main thread (see backgroundCommits). */
const SPARE_CORE = availableParallelism() > 1;

/**
 * The SwarmStore on one SQLite file (bun:sqlite, WAL). `location` may be ':memory:' for a private
 * in-memory database. Several instances — in this process or others — may open the same file:
 * each sees what the others have committed.
 *
 * Throws StoreUnavailableError when the file cannot be opened, and SwarmError('STORE_SCHEMA')
 * when it was written by a newer swarm.
 */
export class SqliteStore implements SwarmStore {
  readonly location: string;
  /** The database's file, which other connections can open; null for a database in memory. */
  readonly file: string | null;
  readonly schemaVersion: number;
  private readonly db: Database;
  private readonly statements: SqliteStatements;
  private readonly leases: SqliteLeases;
  private readonly commitTransaction: (batch: StoreBatch) => CommitOutcome;
  private readonly createRunTransaction: (run: RunRow, manifest: ManifestInParts, tasks: readonly NewTask[], lease: NewRunLease | undefined) => void;
  private closed = false;
  /** Null for a database in memory, which has no WAL. */
  readonly checkpointer: WalCheckpointer | null;
  /** Started by the first background commit (see BackgroundWriter). */
  private background: BackgroundWriter | null = null;
  /** How long a write waits for another connection's write lock. */
  private readonly lockWaitMs: number;

  /**
   * `checkpointer`: when a thread takes the WAL's checkpoints over (see WalCheckpointer).
   * `connection`: its page cache and lock wait, when not the defaults (see configureConnection).
   */
  constructor(location: string, checkpointer?: Partial<WalCheckpointerOptions>, connection?: ConnectionOptions) {
    this.location = location;
    this.file = location === ':memory:' || location === '' ? null : location;
    this.lockWaitMs = connection?.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
    const { db, schemaVersion } = openDatabase(location, connection);
    this.db = db;
    this.schemaVersion = schemaVersion;
    this.statements = new SqliteStatements(db, TASK_PATCH_FIELDS, RUN_PATCH_FIELDS);
    this.leases = new SqliteLeases(db);
    this.checkpointer = this.file === null ? null : new WalCheckpointer(db, this.file, { ...DEFAULT_CHECKPOINTER, ...checkpointer });
    // IMMEDIATE takes the write lock up front: a deferred transaction that later needs it can fail
    // with SQLITE_BUSY at once (a lock upgrade is not retried), while IMMEDIATE waits busy_timeout.
    this.commitTransaction = db.transaction((batch: StoreBatch) => writeBatch(this.statements, this.leases, batch)).immediate;
    this.createRunTransaction = db.transaction((run: RunRow, manifest: ManifestInParts, tasks: readonly NewTask[], lease: NewRunLease | undefined) => {
      this.insertRun(run, manifest, tasks);
      if (lease) this.leases.insert(run.id, lease);
    }).immediate;
  }

  createRun(run: NewRun, tasks: readonly NewTask[], lease?: NewRunLease): void {
    this.assertOpen();
    const manifest = splitManifest(run.manifest);
    this.write(() => this.createRunTransaction(runRowFromNew(run, manifest.head), manifest, tasks, lease));
    this.checkpointer?.committed(tasks.length);
  }

  commit(batch: StoreBatch): CommitOutcome {
    this.assertOpen();
    const empty =
      batch.transitions.length === 0 && batch.runs.length === 0 && batch.tasks.length === 0 && batch.nodes.length === 0;
    if (empty) return COMMITTED;
    const outcome = this.write(() => this.commitTransaction(batch));
    this.checkpointer?.committed(batch.transitions.length + batch.tasks.length);
    return outcome;
  }

  /**
   * A database in memory has one connection, so no thread can write to it; on a machine with
   * one core a thread would only add the hand-over to the same work; and once a writer thread
   * is lost (it died), commits stay on this connection.
   */
  get backgroundCommits(): boolean {
    return this.file !== null && !this.closed && SPARE_CORE && !(this.background?.isLost ?? false);
  }

  commitInBackground(batch: StoreBatch, done: (result: BackgroundCommitResult) => void): void {
    this.assertOpen();
    if (this.file === null) throw new Error('a SQLite database in memory has no background writer (see backgroundCommits)');
    this.background ??= new BackgroundWriter(this.file, (rows) => this.checkpointer?.committed(rows));
    this.background.commit(batch, done);
  }

  drainBackground(timeoutMs: number): void {
    this.background?.drain(timeoutMs);
  }

  resumeBackground(): void {
    this.background?.resume();
  }

  getRun(runId: string): RunRecord | undefined {
    this.assertOpen();
    const selected = this.statements.selectRun.get(runId);
    if (selected === null) return undefined;
    const { manifestParts, ...row } = selected;
    if (manifestParts === 0) return runFromRow(row);
    const parts = this.statements.selectManifestParts.all(runId).map((p) => p.symbols);
    return { ...runFromRow({ ...row, manifest: null }), manifest: joinManifest(row.manifest, parts) };
  }

  getRunListing(runId: string): RunListing | undefined {
    this.assertOpen();
    const row = this.statements.selectRunListing.get(runId);
    return row === null ? undefined : runListingFromRow(row);
  }

  listRunsByIdPrefix(prefix: string, limit: number): RunListing[] {
    this.assertOpen();
    // U+10FFFF is the greatest code point, so every id that starts with the prefix sorts below this.
    return this.statements.listRunsByIdPrefix.all(prefix, `${prefix}\u{10FFFF}`, normalizeLimit(limit)).map(runListingFromRow);
  }

  listRuns(options: { limit?: number; status?: RunStatus[] } = {}): RunListing[] {
    this.assertOpen();
    const limit = normalizeLimit(options.limit);
    const rows =
      options.status === undefined
        ? this.statements.listRuns.all(limit)
        : this.statements.listRunsWithStatus.all(JSON.stringify(options.status.map(checkRunStatus)), limit);
    return rows.map(runListingFromRow);
  }

  listUnfinishedRunIds(): string[] {
    this.assertOpen();
    return this.statements.listUnfinishedRunIds.all().map((row) => row.id);
  }

  getTasks(runId: string, filter?: TaskFilter): TaskRecord[] {
    this.assertOpen();
    const rows = filter
      ? this.statements.selectTasksExcept.all(runId, filter.except ?? '', filter.limit ?? -1)
      : this.statements.selectTasks.all(runId);
    return rows.map(taskFromRow);
  }

  countTasksByStatus(runId: string): TaskStatusCounts {
    this.assertOpen();
    const counts: TaskStatusCounts = {};
    for (const { status, tasks } of this.statements.countTasksByStatus.all(runId)) counts[status] = tasks;
    return counts;
  }

  countUndoneSuccesses(runId: string): TaskStatusCounts {
    this.assertOpen();
    const counts: TaskStatusCounts = {};
    for (const { status, tasks } of this.statements.countUndoneSuccesses.all(runId)) counts[status] = tasks;
    return counts;
  }

  getTask(runId: string, name: string): TaskRecord | undefined {
    this.assertOpen();
    const row = this.statements.selectTask.get(runId, name);
    return row === null ? undefined : taskFromRow(row);
  }

  getTransitions(runId: string, options: { afterSeq?: number; limit?: number } = {}): TransitionRecord[] {
    this.assertOpen();
    const afterSeq = options.afterSeq ?? 0;
    const limit = normalizeLimit(options.limit);
    // `limit` rows hold at least `limit` transitions after afterSeq: each row's own is after it.
    const out: TransitionRecord[] = [];
    for (const { earlier, ...row } of this.statements.selectTransitions.all(runId, afterSeq, limit)) {
      expandRow(row.seq, earlier, row, afterSeq, (seq, t) => out.push(transitionFromRow({ ...row, ...t, seq })));
    }
    return limit >= 0 && out.length > limit ? out.slice(0, limit) : out;
  }

  listNodes(): NodeRecord[] {
    this.assertOpen();
    return this.statements.listNodes.all().map(nodeFromRow);
  }

  stateGet(key: string): unknown {
    this.assertOpen();
    const row = this.statements.stateGet.get(key);
    return row === null ? undefined : decodeJson(row.value);
  }

  stateSet(key: string, value: unknown): void {
    this.assertOpen();
    const encoded = encodeJson(value);
    this.write(() => this.statements.stateSet.run(key, encoded, Date.now()));
  }

  stateDelete(key: string): boolean {
    this.assertOpen();
    return this.write(() => this.statements.stateDelete.run(key).changes > 0);
  }

  getRunLease(runId: string): RunLease | null {
    this.assertOpen();
    return this.leases.read(runId);
  }

  claimRunLease(runId: string, claim: LeaseClaim): number | null {
    this.assertOpen();
    return this.write(() => this.leases.claim(runId, claim));
  }

  renewRunLeases(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    this.assertOpen();
    return this.write(() => this.leases.renew(owner, leases, leaseMs));
  }

  counts(): StoreCounts {
    this.assertOpen();
    const row = this.statements.counts.get();
    return row ?? { runs: 0, tasks: 0, transitions: 0, nodes: 0, state: 0 };
  }

  /**
   * One transaction per run, so the write lock is held for one run's rows at a time: a
   * dispatcher on the same file commits between them (all runs at once held it for seconds,
   * longer than its writes wait), and each run still goes whole or not at all.
   */
  deleteFinishedRunsBefore(before: number): number {
    this.assertOpen();
    const deleteOne = this.db.transaction((id: string) => {
      // The floor first: see migration 7. `changes` counts the run, not the cascaded rows.
      this.statements.raiseJournalFloor.run();
      return this.statements.deleteFinishedRun.run(id, before).changes;
    }).immediate;
    let deleted = 0;
    for (const { id } of this.statements.finishedRunIdsBefore.all(before)) deleted += this.write(() => deleteOne(id));
    return deleted;
  }

  deleteNodesLastSeenBefore(before: number): number {
    this.assertOpen();
    return this.write(() =>
      this.db.transaction(() => {
        this.statements.raiseJournalFloor.run();
        this.statements.deleteRunlessNodeTransitions.run(before);
        return this.statements.deleteStaleNodes.run(before).changes;
      }).immediate(),
    );
  }

  /**
   * A write, with another process's write lock held past the lock wait as the transient
   * StoreLockedError (a dispatcher holds its runs and tries again) instead of the driver's error.
   */
  private write<T>(transaction: () => T): T {
    try {
      return transaction();
    } catch (err) {
      throw isSqliteBusy(err) ? new StoreLockedError(this.location, this.lockWaitMs, err) : err;
    }
  }

  /** Closes the connection; idempotent. The store cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Their connections first, so this one is the last and checkpoints the WAL away.
    this.background?.stop();
    this.checkpointer?.stop();
    this.statements.finalize();
    this.leases.finalize();
    // `true`: also finalizes any statement still open, which would otherwise keep the connection
    // (its file, its WAL) open after close.
    this.db.close(true);
  }

  private assertOpen(): void {
    // Without this, a closed store fails with bun:sqlite's "Statement has finalized".
    if (this.closed) throw storeClosedError(this.location);
  }

  private insertRun(run: RunRow, manifest: ManifestInParts, tasks: readonly NewTask[]): void {
    const s = this.statements;
    s.insertRun.run(
      run.id, run.name, run.status, run.metadata, run.totalTasks, run.completedTasks, run.failedTasks,
      run.replayOf, run.createdAt, run.finishedAt,
    );
    s.insertRunManifest.run(run.id, run.manifestSource, run.manifestFormat, run.manifest, run.manifestPath, manifest.parts);
    for (let i = 0; i < manifest.parts; i++) {
      s.insertManifestPart.run(run.id, i, manifest.part(i));
      if (i % PARTS_BETWEEN_COLLECTIONS === PARTS_BETWEEN_COLLECTIONS - 1) collectYoungGarbage();
    }
    for (let start = 0; start < tasks.length; start += ROWS_PER_INSERT) {
      const end = Math.min(tasks.length, start + ROWS_PER_INSERT);
      const values: ColumnValue[] = [];
      for (let position = start; position < end; position++) {
        const t = taskRowFromNew(tasks[position], run.id, position);
        values.push(
          t.runId, t.name, t.position, t.status, t.priority, t.dispatch, t.dependencies, t.attempts, t.output,
          t.error, t.node, t.rollbackOutput, t.rollbackError, t.reused, t.startedAt, t.finishedAt,
        );
      }
      s.taskInserts.forCount(end - start).run(...values);
      if (start % ROWS_BETWEEN_COLLECTIONS === 0 && start > 0) collectYoungGarbage();
    }
  }
}
