import { RunNotFoundError } from '../errors.ts';
import { decodeJson, encodeJson } from './json-columns.ts';
import { LATEST_SCHEMA_VERSION } from './migrations.ts';
import {
  RUN_PATCH_FIELDS,
  TASK_PATCH_FIELDS,
  applyPatchToRow,
  encodePatch,
  nodeFromRow,
  nodeRowFromRecord,
  runFromRow,
  runRowFromNew,
  taskFromRow,
  taskRowFromNew,
  transitionFromRow,
  transitionRowFromNew,
  type EncodedPatch,
  type NodeRow,
  type RunRow,
  type TaskRow,
  type TransitionRow,
  runListingFromRow,
} from './rows.ts';
import { MemoryLeases } from './memory-leases.ts';
import { COMMITTED, DUPLICATE, checkLeaseMs, journalEndsWith, probeRunOf, rowCountOf, withoutFencedRuns, type CommitOutcome, type LeaseClaim, type NewRunLease, type RunFence, type RunLease } from './run-lease.ts';
import { TaskNotFoundError, storeClosedError } from './store-errors.ts';
import { isUndoneSuccess } from './types.ts';
import { FINISHED_RUN_STATUSES, checkRunStatus, normalizeLimit, outlivesRuns } from './validation.ts';
import type {
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

const FINISHED: ReadonlySet<string> = new Set(FINISHED_RUN_STATUSES);

/**
 * A SwarmStore in plain maps, with the SQLite store's semantics (it passes the same conformance
 * suite). It keeps the same encoded rows the SQLite store writes — JSON as text — so values are
 * copied in and out exactly as they would be by a database, and nothing a caller holds aliases
 * stored state. Nothing survives `close()`. Construct it explicitly: `new MemoryStore()`.
 */
export class MemoryStore implements SwarmStore {
  readonly location = ':memory:';
  /** The SQLite schema version whose behaviour this store mirrors. */
  readonly schemaVersion = LATEST_SCHEMA_VERSION;
  /** Map order is insertion order, which is what the newest-first tie-break and manifest order need. */
  private runs = new Map<string, RunRow>();
  private tasks = new Map<string, Map<string, TaskRow>>();
  /** Journal rows per run, in seq order; rows without a run are only counted (nothing reads them back). */
  private transitions = new Map<string, TransitionRow[]>();
  /** What deleteNodesLastSeenBefore needs of the run-less rows: their kind and time. */
  private runless: { actorKind: string; at: number }[] = [];
  private transitionCount = 0;
  private lastSeq = 0;
  private nodes = new Map<string, NodeRow>();
  private state = new Map<string, string | null>();
  private leases = new MemoryLeases();
  private closed = false;

  createRun(run: NewRun, tasks: NewTask[], lease?: NewRunLease): void {
    this.assertOpen();
    // Build every row first: a failure anywhere leaves the store untouched, like a rolled-back transaction.
    const runRow = runRowFromNew(run);
    if (this.runs.has(runRow.id)) throw new Error(`Run "${runRow.id}" already exists`);
    const taskRows = new Map<string, TaskRow>();
    tasks.forEach((task, position) => {
      const row = taskRowFromNew(task, runRow.id, position);
      if (taskRows.has(row.name)) throw new Error(`Run "${runRow.id}" has two tasks named "${row.name}"`);
      taskRows.set(row.name, row);
    });
    if (lease) checkLeaseMs(lease.leaseMs);
    this.runs.set(runRow.id, runRow);
    this.tasks.set(runRow.id, taskRows);
    this.transitions.set(runRow.id, []);
    if (lease) this.leases.insert(runRow.id, lease);
  }

  commit(given: StoreBatch): CommitOutcome {
    this.assertOpen();
    let batch = given;
    let outcome = COMMITTED;
    if (given.fencing) {
      const fenced = this.leases.fenced(given.fencing);
      const fencedIds = new Set(fenced.map((f) => f.runId));
      if (given.fencing.resent && this.landedBefore(given, fencedIds)) return DUPLICATE;
      if (fenced.length > 0) {
        batch = withoutFencedRuns(given, fencedIds);
        outcome = { fenced, duplicate: false };
      }
    }
    // Phase 1 validates and encodes everything (all throws happen here); phase 2 cannot fail.
    const transitions = batch.transitions.map((t) => {
      const row = transitionRowFromNew(t);
      if (row.runId !== null && !this.runs.has(row.runId)) {
        if (!outlivesRuns(row.actorKind)) throw new RunNotFoundError(row.runId);
        return { ...row, runId: null };
      }
      return row;
    });
    const runPatches = batch.runs.map((patch): [RunRow, EncodedPatch] => {
      const row = this.runs.get(patch.id);
      if (row === undefined) throw new RunNotFoundError(patch.id);
      return [row, encodePatch(patch, RUN_PATCH_FIELDS)];
    });
    const taskPatches = batch.tasks.map((patch): [TaskRow, EncodedPatch] => {
      const runTasks = this.tasks.get(patch.runId);
      if (runTasks === undefined) throw new RunNotFoundError(patch.runId);
      const row = runTasks.get(patch.name);
      if (row === undefined) throw new TaskNotFoundError(patch.runId, patch.name);
      return [row, encodePatch(patch, TASK_PATCH_FIELDS)];
    });
    const nodes = batch.nodes.map(nodeRowFromRecord);

    for (const row of transitions) {
      const stored: TransitionRow = { seq: ++this.lastSeq, ...row };
      if (row.runId !== null) this.transitions.get(row.runId)!.push(stored);
      else this.runless.push({ actorKind: row.actorKind, at: row.at });
      this.transitionCount++;
    }
    for (const [row, patch] of runPatches) applyPatchToRow(row, RUN_PATCH_FIELDS, patch);
    for (const [row, patch] of taskPatches) applyPatchToRow(row, TASK_PATCH_FIELDS, patch);
    for (const row of nodes) this.nodes.set(row.id, row);
    return outcome;
  }

  /** A resent batch whose rows of its probe run already end that run's journal (BatchFencing.resent). */
  private landedBefore(batch: StoreBatch, fenced: ReadonlySet<string>): boolean {
    const probe = probeRunOf(batch, batch.fencing!, fenced);
    if (probe === null) return false;
    const rows = this.transitions.get(probe) ?? [];
    const tail = rows.slice(Math.max(0, rows.length - rowCountOf(batch, probe))).reverse();
    return journalEndsWith(tail, batch, probe);
  }

  getRun(runId: string): RunRecord | undefined {
    this.assertOpen();
    const row = this.runs.get(runId);
    return row === undefined ? undefined : runFromRow(row);
  }

  getRunListing(runId: string): RunListing | undefined {
    const run = this.getRun(runId);
    if (!run) return undefined;
    const { manifestSource: _s, manifest: _m, ...listing } = run;
    return listing;
  }

  listRunsByIdPrefix(prefix: string, limit: number): RunListing[] {
    this.assertOpen();
    const ids = [...this.runs.keys()].filter((id) => id.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return ids.slice(0, normalizeLimit(limit)).map((id) => this.getRunListing(id)!);
  }

  listRuns(options: { limit?: number; status?: RunStatus[] } = {}): RunListing[] {
    this.assertOpen();
    const limit = normalizeLimit(options.limit);
    const statuses = options.status === undefined ? undefined : new Set(options.status.map(checkRunStatus));
    const rows = [...this.runs.values()]
      .filter((row) => statuses === undefined || statuses.has(row.status))
      .reverse() // newest inserted first, so the stable sort below breaks createdAt ties that way
      .sort((a, b) => b.createdAt - a.createdAt);
    return (limit < 0 ? rows : rows.slice(0, limit)).map(({ manifestSource: _s, manifest: _m, ...row }) => runListingFromRow(row));
  }

  listUnfinishedRunIds(): string[] {
    this.assertOpen();
    return [...this.runs.values()]
      .filter((row) => row.status === 'running' || row.status === 'paused')
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((row) => row.id);
  }

  getTasks(runId: string, filter: TaskFilter = {}): TaskRecord[] {
    this.assertOpen();
    const rows = [...(this.tasks.get(runId)?.values() ?? [])].filter((row) => row.status !== filter.except);
    return rows.slice(0, filter.limit ?? rows.length).map(taskFromRow);
  }

  countTasksByStatus(runId: string): TaskStatusCounts {
    this.assertOpen();
    const counts: TaskStatusCounts = {};
    for (const row of this.tasks.get(runId)?.values() ?? []) counts[row.status] = (counts[row.status] ?? 0) + 1;
    return counts;
  }

  countUndoneSuccesses(runId: string): TaskStatusCounts {
    this.assertOpen();
    const counts: TaskStatusCounts = {};
    for (const row of this.tasks.get(runId)?.values() ?? []) {
      if (isUndoneSuccess(row)) counts[row.status] = (counts[row.status] ?? 0) + 1;
    }
    return counts;
  }

  getTask(runId: string, name: string): TaskRecord | undefined {
    this.assertOpen();
    const row = this.tasks.get(runId)?.get(name);
    return row === undefined ? undefined : taskFromRow(row);
  }

  getTransitions(runId: string, options: { afterSeq?: number; limit?: number } = {}): TransitionRecord[] {
    this.assertOpen();
    const limit = normalizeLimit(options.limit);
    const rows = this.transitions.get(runId) ?? [];
    const start = firstIndexAfter(rows, options.afterSeq ?? 0);
    const end = limit < 0 ? rows.length : Math.min(rows.length, start + limit);
    return rows.slice(start, end).map(transitionFromRow);
  }

  listNodes(): NodeRecord[] {
    this.assertOpen();
    return [...this.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(nodeFromRow);
  }

  stateGet(key: string): unknown {
    this.assertOpen();
    return this.state.has(key) ? decodeJson(this.state.get(key)!) : undefined;
  }

  stateSet(key: string, value: unknown): void {
    this.assertOpen();
    this.state.set(key, encodeJson(value));
  }

  stateDelete(key: string): boolean {
    this.assertOpen();
    return this.state.delete(key);
  }

  getRunLease(runId: string): RunLease | null {
    this.assertOpen();
    return this.leases.read(runId);
  }

  claimRunLease(runId: string, claim: LeaseClaim): number | null {
    this.assertOpen();
    if (!this.runs.has(runId)) throw new RunNotFoundError(runId);
    return this.leases.claim(runId, claim);
  }

  renewRunLeases(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    this.assertOpen();
    return this.leases.renew(owner, leases, leaseMs);
  }

  counts(): StoreCounts {
    this.assertOpen();
    let tasks = 0;
    for (const runTasks of this.tasks.values()) tasks += runTasks.size;
    return {
      runs: this.runs.size,
      tasks,
      transitions: this.transitionCount,
      nodes: this.nodes.size,
      state: this.state.size,
    };
  }

  deleteFinishedRunsBefore(before: number): number {
    this.assertOpen();
    let deleted = 0;
    for (const [id, row] of this.runs) {
      if (!FINISHED.has(row.status) || !(row.createdAt < before)) continue;
      this.transitionCount -= this.transitions.get(id)!.length;
      this.runs.delete(id);
      this.tasks.delete(id);
      this.transitions.delete(id);
      this.leases.delete(id);
      deleted++;
    }
    return deleted;
  }

  deleteNodesLastSeenBefore(before: number): number {
    this.assertOpen();
    const kept = this.runless.filter((row) => row.actorKind !== 'node' || !(row.at < before));
    this.transitionCount -= this.runless.length - kept.length;
    this.runless = kept;
    let deleted = 0;
    for (const [id, row] of this.nodes) {
      if (!(row.lastSeenAt < before)) continue;
      this.nodes.delete(id);
      deleted++;
    }
    return deleted;
  }

  /** Drops everything; idempotent. The store cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.runs.clear();
    this.tasks.clear();
    this.transitions.clear();
    this.runless = [];
    this.nodes.clear();
    this.state.clear();
    this.leases.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw storeClosedError(this.location);
  }
}

/** Index of the first row with seq > afterSeq (rows are in seq order). */
function firstIndexAfter(rows: TransitionRow[], afterSeq: number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rows[mid].seq <= afterSeq) low = mid + 1;
    else high = mid;
  }
  return low;
}
