import type { Database, Statement } from 'bun:sqlite';
import type { ColumnValue, NodeRow, PatchField, RunListingRow, RunRow, TaskRow, TransitionRow } from './rows.ts';
import type { StoredPart } from './manifest-parts.ts';
import { FINISHED_RUN_STATUSES, UNDONE_STATUSES, sqlStatusList } from './validation.ts';
import { UNFINISHED_RUN_STATUSES, type TaskStatus } from './types.ts';

/**
 * Every statement the SQLite store runs, prepared once per connection. Preparing is far more
 * expensive than running, so the hot path (commit) only ever binds and steps.
 */

const RUN_COLUMNS = `runs.id AS id, name, status, m.source AS manifestSource, m.format AS manifestFormat,
  m.manifest AS manifest, m.parts AS manifestParts, m.path AS manifestPath, metadata, total_tasks AS totalTasks,
  completed_tasks AS completedTasks, failed_tasks AS failedTasks, replay_of AS replayOf,
  created_at AS createdAt, finished_at AS finishedAt`;

/** A run's row as lists read it: the manifest's format and path, not the manifest itself. */
const RUN_LIST_COLUMNS = `runs.id AS id, name, status, m.format AS manifestFormat, m.path AS manifestPath,
  metadata, total_tasks AS totalTasks, completed_tasks AS completedTasks, failed_tasks AS failedTasks,
  replay_of AS replayOf, created_at AS createdAt, finished_at AS finishedAt`;

/** A run's row with its manifest, which lives apart so the hot runs row stays small. */
const RUNS = 'runs JOIN run_manifests m ON m.run_id = runs.id';

const TASK_COLUMNS = `run_id AS runId, name, position, status, priority, dispatch, dependencies, attempts,
  output, error, node, rollback_output AS rollbackOutput, rollback_error AS rollbackError, reused,
  started_at AS startedAt, finished_at AS finishedAt`;

const TRANSITION_COLUMNS = `seq, run_id AS runId, actor_id AS actorId, actor_kind AS actorKind,
  from_state AS "from", to_state AS "to", event, payload, at, earlier`;

/** A journal row as the table holds it: its last transition, and the ones before it (merged-transitions.ts). */
export type StoredTransitionRow = TransitionRow & { earlier: string | null };

const NODE_COLUMNS = `id, kind, status, capacity, running, capabilities, last_seen_at AS lastSeenAt,
  started_at AS startedAt`;

const TRANSITION_INSERT_COLUMNS = 'seq, run_id, actor_id, actor_kind, from_state, to_state, event, payload, at, earlier, earlier_count';
/** How many values one journal row binds, in TRANSITION_INSERT_COLUMNS' order. */
export const TRANSITION_ROW_WIDTH = 11;

/** Newest first; rowid breaks ties so runs created in the same millisecond keep insertion order. */
const NEWEST_FIRST = 'ORDER BY created_at DESC, runs.rowid DESC LIMIT ?';

export class SqliteStatements {
  readonly insertRun: Statement<unknown, ColumnValue[]>;
  readonly insertRunManifest: Statement<unknown, ColumnValue[]>;
  readonly insertManifestPart: Statement<unknown, [string, number, StoredPart]>;
  readonly selectManifestParts: Statement<{ symbols: StoredPart }, [string]>;
  readonly insertTransition: Statement<unknown, ColumnValue[]>;
  readonly upsertNode: Statement<unknown, ColumnValue[]>;
  readonly runExists: Statement<{ found: 1 }, [string]>;
  readonly setRunStatusIfChanged: Statement<unknown, [string, string]>;
  readonly taskExists: Statement<{ found: 1 }, [string, string]>;
  readonly selectRun: Statement<RunRow & { manifestParts: number }, [string]>;
  readonly selectRunListing: Statement<RunListingRow, [string]>;
  readonly listRuns: Statement<RunListingRow, [number]>;
  readonly listRunsByIdPrefix: Statement<RunListingRow, [string, string, number]>;
  readonly listRunsWithStatus: Statement<RunListingRow, [string, number]>;
  readonly listUnfinishedRunIds: Statement<{ id: string }, []>;
  readonly selectTasks: Statement<TaskRow, [string]>;
  /** A run's tasks not in a status ('' for none left out), at most a number of them (-1: all). */
  readonly selectTasksExcept: Statement<TaskRow, [string, string, number]>;
  readonly countTasksByStatus: Statement<{ status: TaskStatus; tasks: number }, [string]>;
  readonly countUndoneSuccesses: Statement<{ status: TaskStatus; tasks: number }, [string]>;
  readonly selectTask: Statement<TaskRow, [string, string]>;
  readonly selectTransitions: Statement<StoredTransitionRow, [string, number, number]>;
  readonly listNodes: Statement<NodeRow, []>;
  readonly stateGet: Statement<{ value: string | null }, [string]>;
  readonly stateSet: Statement<unknown, [string, string | null, number]>;
  readonly stateDelete: Statement<unknown, [string]>;
  readonly counts: Statement<Record<'runs' | 'tasks' | 'transitions' | 'nodes' | 'state', number>, []>;
  readonly lastSeq: Statement<{ seq: number }, []>;
  readonly raiseJournalFloor: Statement<unknown, []>;
  readonly finishedRunIdsBefore: Statement<{ id: string }, [number]>;
  readonly deleteFinishedRun: Statement<unknown, [string, number]>;
  readonly deleteStaleNodes: Statement<unknown, [number]>;
  readonly deleteRunlessNodeTransitions: Statement<unknown, [number]>;
  readonly taskPatches: PatchStatements;
  readonly runPatches: PatchStatements;
  readonly transitionInserts: MultiRowInserts;
  readonly taskInserts: MultiRowInserts;
  private readonly all: Statement[];

  constructor(db: Database, taskFields: readonly PatchField[], runFields: readonly PatchField[]) {
    this.insertRun = db.prepare(
      `INSERT INTO runs (id, name, status, metadata, total_tasks, completed_tasks, failed_tasks, replay_of,
        created_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertRunManifest = db.prepare(
      'INSERT INTO run_manifests (run_id, source, format, manifest, path, parts) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertManifestPart = db.prepare('INSERT INTO run_manifest_parts (run_id, part, symbols) VALUES (?, ?, ?)');
    this.selectManifestParts = db.prepare('SELECT symbols FROM run_manifest_parts WHERE run_id = ? ORDER BY part');
    this.insertTransition = db.prepare(
      `INSERT INTO transitions (${TRANSITION_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The seq the journal's next transition follows: the highest row's, or the floor when rows
    // at the top were deleted (a seq is never reused, migration 7). Read inside the write lock.
    this.lastSeq = db.prepare(
      'SELECT max(coalesce((SELECT max(seq) FROM transitions), 0), coalesce((SELECT seq FROM journal_floor), 0)) AS seq',
    );
    // Before rows are deleted: the highest seq so far stays taken.
    this.raiseJournalFloor = db.prepare(
      'UPDATE journal_floor SET seq = max(seq, coalesce((SELECT max(seq) FROM transitions), 0))',
    );
    this.upsertNode = db.prepare(
      `INSERT INTO nodes (id, kind, status, capacity, running, capabilities, last_seen_at, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status,
         capacity = excluded.capacity, running = excluded.running, capabilities = excluded.capabilities,
         last_seen_at = excluded.last_seen_at, started_at = excluded.started_at`,
    );
    this.runExists = db.prepare('SELECT 1 AS found FROM runs WHERE id = ?');
    // Why apart from the run's other fields: an UPDATE that sets an indexed column rewrites its
    // index entry even when the value is the same, and runs_by_status would be one more page in
    // every group commit (a run's status changes a few times; its counts at every commit).
    this.setRunStatusIfChanged = db.prepare('UPDATE runs SET status = ?1 WHERE id = ?2 AND status IS NOT ?1');
    this.taskExists = db.prepare('SELECT 1 AS found FROM tasks WHERE run_id = ? AND name = ?');
    this.selectRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM ${RUNS} WHERE runs.id = ?`);
    this.selectRunListing = db.prepare(`SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} WHERE runs.id = ?`);
    this.listRuns = db.prepare(`SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} ${NEWEST_FIRST}`);
    // The range serves from the primary key's index (BINARY collation: byte order); substr()
    // keeps it exact whatever follows the prefix.
    this.listRunsByIdPrefix = db.prepare(
      `SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} WHERE runs.id >= ?1 AND runs.id < ?2 AND substr(runs.id, 1, length(?1)) = ?1 ORDER BY runs.id LIMIT ?3`,
    );
    // One statement for any status list: the list is bound as a JSON array.
    this.listUnfinishedRunIds = db.prepare(
      `SELECT id FROM runs WHERE status IN ${sqlStatusList(UNFINISHED_RUN_STATUSES)} ORDER BY created_at, rowid`,
    );
    this.listRunsWithStatus = db.prepare(
      `SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} WHERE status IN (SELECT value FROM json_each(?)) ${NEWEST_FIRST}`,
    );
    this.selectTasks = db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? ORDER BY position`);
    this.selectTasksExcept = db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? AND status <> ? ORDER BY position LIMIT ?`);
    this.countTasksByStatus = db.prepare('SELECT status, count(*) AS tasks FROM tasks WHERE run_id = ? GROUP BY status');
    this.countUndoneSuccesses = db.prepare(
      `SELECT status, count(*) AS tasks FROM tasks WHERE run_id = ? AND status IN ${UNDONE_STATUSES} AND error IS NULL GROUP BY status`,
    );
    this.selectTask = db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? AND name = ?`);
    this.selectTransitions = db.prepare(
      `SELECT ${TRANSITION_COLUMNS} FROM transitions WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    );
    this.listNodes = db.prepare(`SELECT ${NODE_COLUMNS} FROM nodes ORDER BY id`);
    this.stateGet = db.prepare('SELECT value FROM state WHERE key = ?');
    this.stateSet = db.prepare(
      `INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.stateDelete = db.prepare('DELETE FROM state WHERE key = ?');
    // Run leases (run_owners) have statements of their own: sqlite-leases.ts.
    this.counts = db.prepare(
      `SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM tasks) AS tasks,
        (SELECT count(*) + coalesce(sum(earlier_count), 0) FROM transitions) AS transitions, (SELECT count(*) FROM nodes) AS nodes,
        (SELECT count(*) FROM state) AS state`,
    );
    const finished = `status IN ${sqlStatusList(FINISHED_RUN_STATUSES)} AND created_at < ?`;
    this.finishedRunIdsBefore = db.prepare(`SELECT id FROM runs WHERE ${finished}`);
    // Its tasks and journal rows go with it through ON DELETE CASCADE. The condition again: the
    // run may have changed (a rollback began) since its id was read.
    this.deleteFinishedRun = db.prepare(`DELETE FROM runs WHERE id = ? AND ${finished}`);
    this.deleteStaleNodes = db.prepare('DELETE FROM nodes WHERE last_seen_at < ?');
    // `run_id IS NULL` walks the transitions_by_run index: only run-less rows are visited.
    this.deleteRunlessNodeTransitions = db.prepare(
      `DELETE FROM transitions WHERE run_id IS NULL AND actor_kind = 'node' AND at < ?`,
    );
    this.taskPatches = new PatchStatements(db, 'tasks', taskFields, 'run_id = ? AND name = ?');
    this.runPatches = new PatchStatements(db, 'runs', runFields, 'id = ?');
    this.transitionInserts = new MultiRowInserts(db, `transitions (${TRANSITION_INSERT_COLUMNS})`, TRANSITION_ROW_WIDTH);
    this.taskInserts = new MultiRowInserts(
      db,
      `tasks (run_id, name, position, status, priority, dispatch, dependencies, attempts, output, error,
        node, rollback_output, rollback_error, reused, started_at, finished_at)`,
      16,
    );
    this.all = [
      this.insertRun, this.insertRunManifest, this.insertManifestPart, this.selectManifestParts, this.insertTransition, this.upsertNode, this.runExists, this.setRunStatusIfChanged, this.taskExists,
      this.selectRun, this.selectRunListing, this.listRuns, this.listRunsByIdPrefix, this.listRunsWithStatus, this.listUnfinishedRunIds, this.selectTasks, this.selectTasksExcept, this.countTasksByStatus, this.countUndoneSuccesses, this.selectTask,
      this.selectTransitions, this.listNodes, this.stateGet, this.stateSet, this.stateDelete, this.counts,
      this.finishedRunIdsBefore, this.deleteFinishedRun, this.deleteStaleNodes, this.deleteRunlessNodeTransitions, this.lastSeq, this.raiseJournalFloor,
    ];
  }

  finalize(): void {
    for (const statement of this.all) statement.finalize();
    this.taskPatches.finalize();
    this.runPatches.finalize();
    this.transitionInserts.finalize();
    this.taskInserts.finalize();
  }
}

/** Rows per multi-row INSERT (journal rows in a commit, task rows of a new run). */
export const ROWS_PER_INSERT = 64;

/**
 * Multi-row INSERTs into one table, one statement per row count (1..ROWS_PER_INSERT), built on
 * first use: one bind-and-step per chunk instead of one per row is most of what a commit costs
 * the main thread (bench/store-commit.ts), and halves `createRun` of a big run.
 */
export class MultiRowInserts {
  private readonly byCount = new Map<number, Statement<unknown, ColumnValue[]>>();
  private readonly row: string;

  constructor(
    private readonly db: Database,
    private readonly into: string,
    columns: number,
  ) {
    this.row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  }

  forCount(count: number): Statement<unknown, ColumnValue[]> {
    let statement = this.byCount.get(count);
    if (statement === undefined) {
      statement = this.db.prepare(`INSERT INTO ${this.into} VALUES ${Array.from({ length: count }, () => this.row).join(', ')}`);
      this.byCount.set(count, statement);
    }
    return statement;
  }

  finalize(): void {
    for (const statement of this.byCount.values()) statement.finalize();
    this.byCount.clear();
  }
}

/**
 * UPDATE statements for partial patches: one per distinct set of fields (a bit mask over the
 * field list), built on first use and cached. Real callers use a handful of shapes (status only;
 * status + attempts + node + startedAt; ...), so the cache stays tiny and every patch is a plain
 * bind-and-step with no COALESCE tricks — which also lets a patch set a field to NULL.
 */
export class PatchStatements {
  private readonly byMask = new Map<number, Statement<unknown, ColumnValue[]>>();

  constructor(
    private readonly db: Database,
    private readonly table: string,
    private readonly fields: readonly PatchField[],
    private readonly where: string,
  ) {}

  /** The UPDATE for this mask; `mask` must be non-zero (a patch with no fields updates nothing). */
  forMask(mask: number): Statement<unknown, ColumnValue[]> {
    let statement = this.byMask.get(mask);
    if (statement === undefined) {
      const assignments = this.fields.filter((_, i) => mask & (1 << i)).map((f) => `${f.column} = ?`);
      statement = this.db.prepare(`UPDATE ${this.table} SET ${assignments.join(', ')} WHERE ${this.where}`);
      this.byMask.set(mask, statement);
    }
    return statement;
  }

  finalize(): void {
    for (const statement of this.byMask.values()) statement.finalize();
    this.byMask.clear();
  }
}
