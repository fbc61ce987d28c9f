import { Database } from 'bun:sqlite';
import type { RunRecord, SwarmStore, TaskRecord, TransitionRecord } from './types.ts';
import { decodeJson } from './json-columns.ts';
import { SqliteStore } from './sqlite-store.ts';
import { BUSY_TIMEOUT_MS } from './sqlite-connection.ts';
import { ROW_COLUMNS, StoredRows, readRunRows, type RowValues } from './stored-rows.ts';

/**
 * Whole-run reads for bulk readers (re-simulation, the dashboard's time travel): a 100k-task
 * run has half a million journal rows, and `getTransitions` builds each row twice (the SQL row,
 * then the record) and decodes every payload. On a SQLite file this reads them through a
 * read-only connection of its own, as value arrays, and leaves each payload as its JSON text,
 * decoded on first use (`payloadText` stays available, e.g. to compare payloads cheaply).
 * Any other store (in memory, MemoryStore) is read through the SwarmStore interface.
 */
export interface BulkJournal {
  /** The run's projection, its journal and its tasks' projections, all as of the same commit. */
  run: Pick<RunRecord, 'status' | 'completedTasks' | 'failedTasks' | 'finishedAt'> | null;
  transitions: TransitionRecord[];
  tasks: ProjectedTask[];
}

/** A task's row as its actors project it: without the manifest's fields (priority, dispatch, dependencies). */
export type ProjectedTask = Omit<TaskRecord, 'priority' | 'dispatch' | 'dependencies'>;

/** A read-only connection of its own to a SQLite store's file; null for any other store. */
function readConnection(store: SwarmStore): Database | null {
  return store instanceof SqliteStore && store.file !== null ? openReadOnly(store.file) : null;
}

function openReadOnly(location: string): Database {
  const db = new Database(location, { readonly: true });
  db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/**
 * A run's journal straight from a SQLite file, without opening it as a store (no migration, no
 * checkpointer): what a tool watching another process's database reads. Oldest first, from
 * after `afterSeq`. The file must be at this swarm's schema (a process of this swarm opened it).
 */
export function readFileJournal(location: string, runId: string, afterSeq = 0): TransitionRecord[] {
  const db = openReadOnly(location);
  try {
    db.run('BEGIN'); // the chunks from one commit
    const rows = readRunRows(db, runId, afterSeq);
    db.run('COMMIT');
    return rows;
  } finally {
    db.close();
  }
}

function readRunRow(db: Database, runId: string): BulkJournal['run'] {
  return (
    db
      .query<BulkJournal['run'] & object, [string]>(
        'SELECT status, completed_tasks AS completedTasks, failed_tasks AS failedTasks, finished_at AS finishedAt FROM runs WHERE id = ?',
      )
      .get(runId) ?? null
  );
}

/** `withTasks: false` leaves the tasks' projections out (empty): time travel needs only the journal. */
export function readRunJournal(store: SwarmStore, runId: string, { withTasks = true } = {}): BulkJournal {
  const db = readConnection(store);
  if (!db) {
    const run = store.getRun(runId);
    return { run: run ?? null, transitions: store.getTransitions(runId), tasks: withTasks ? store.getTasks(runId) : [] };
  }
  try {
    // One read transaction, so the journal and the projections are from the same commit.
    db.run('BEGIN');
    const run = readRunRow(db, runId);
    const transitions = readRunRows(db, runId, 0);
    type TaskRow = [string, TaskRecord['status'], number, string | null, string | null, string | null, string | null, string | null, number, number | null, number | null];
    const taskRows = withTasks
      ? (db
          .query<unknown[], [string]>(
            `SELECT name, status, attempts, output, error, node, rollback_output, rollback_error, reused, started_at, finished_at
               FROM tasks WHERE run_id = ? ORDER BY position`,
          )
          .values(runId) as TaskRow[])
      : [];
    const tasks: ProjectedTask[] = new Array(taskRows.length);
    for (let i = 0; i < taskRows.length; i++) {
      const t = taskRows[i];
      tasks[i] = {
        runId,
        name: t[0],
        status: t[1],
        attempts: t[2],
        output: decodeJson(t[3]),
        error: decodeJson(t[4]) as TaskRecord['error'],
        node: t[5],
        rollbackOutput: decodeJson(t[6]),
        rollbackError: decodeJson(t[7]) as TaskRecord['rollbackError'],
        reused: t[8] === 1,
        startedAt: t[9],
        finishedAt: t[10],
      };
    }
    db.run('COMMIT');
    return { run, transitions, tasks };
  } finally {
    db.close();
  }
}

/** A run's tasks as the DAG needs them, and its journal's extent, as of one commit. */
export interface RunProgress {
  run: BulkJournal['run'];
  tasks: Pick<TaskRecord, 'name' | 'status' | 'attempts' | 'node'>[];
  firstSeq: number | null;
  lastSeq: number | null;
  /** How many transitions the run's journal has. */
  rows: number;
}

/**
 * The "now" of a run without its journal or its tasks' outputs: what the dashboard reads each
 * time a page opens a run, so it costs the dispatcher an aggregate over the run index (which
 * holds each row's `earlier_count`), one look-up in it, and one pass over the tasks, however long
 * the journal. Same read transaction for all, so `lastSeq` is the last row the task states include.
 */
export function readRunProgress(store: SwarmStore, runId: string): RunProgress {
  const db = readConnection(store);
  if (!db) {
    const { run, transitions, tasks } = readRunJournal(store, runId);
    return { run, tasks, firstSeq: transitions[0]?.seq ?? null, lastSeq: transitions.at(-1)?.seq ?? null, rows: transitions.length };
  }
  try {
    db.run('BEGIN');
    const run = readRunRow(db, runId);
    const extent = db.query<{ last: number | null; rows: number }, [string]>(RUN_EXTENT).get(runId)!;
    const first = firstSeqIn(db, runId);
    const tasks = db
      .query<RunProgress['tasks'][number], [string]>('SELECT name, status, attempts, node FROM tasks WHERE run_id = ? ORDER BY position')
      .all(runId);
    db.run('COMMIT');
    return { run, tasks, firstSeq: first, lastSeq: extent.last, rows: extent.rows };
  } finally {
    db.close();
  }
}

/**
 * One actor's journal rows in seq order (the task drawer's): the filter runs inside SQLite, so
 * a long journal is scanned there rather than built row by row in JS.
 */
export function readActorJournal(store: SwarmStore, runId: string, actorId: string): TransitionRecord[] {
  return readActorsJournal(store, runId, [actorId]);
}

/** The seq of a run's first transition: its first row may hold several, the first its earliest. */
function firstSeqIn(db: Database, runId: string): number | null {
  return db.query<{ first: number }, [string]>('SELECT seq - earlier_count AS first FROM transitions WHERE run_id = ? ORDER BY seq LIMIT 1').get(runId)?.first ?? null;
}

/** The seqs of a run's first and last transitions (null when it has none), without reading the journal on a SQLite file. */
export function journalExtent(store: SwarmStore, runId: string): { firstSeq: number | null; lastSeq: number | null } {
  const db = readConnection(store);
  if (!db) {
    const rows = store.getTransitions(runId);
    return { firstSeq: rows[0]?.seq ?? null, lastSeq: rows.at(-1)?.seq ?? null };
  }
  try {
    return { firstSeq: firstSeqIn(db, runId), lastSeq: db.query<{ last: number | null }, [string]>(RUN_EXTENT).get(runId)!.last };
  } finally {
    db.close();
  }
}

/** A run's last seq and how many transitions it has: from the run index alone (earlier_count is in it). */
const RUN_EXTENT = 'SELECT max(seq) AS last, count(*) + coalesce(sum(earlier_count), 0) AS rows FROM transitions WHERE run_id = ?';

/** How many transitions a run's journal has, without reading them (on a SQLite file: its run index). */
export function journalSize(store: SwarmStore, runId: string): number {
  const db = readConnection(store);
  if (!db) return store.getTransitions(runId).length;
  try {
    return db.query<{ rows: number }, [string]>(RUN_EXTENT).get(runId)!.rows;
  } finally {
    db.close();
  }
}

/**
 * Some actors' journal rows, in seq order (`swarm show` of a big run: the tasks its table lists
 * and the coordinator), filtered inside SQLite as readActorJournal is.
 */
export function readActorsJournal(store: SwarmStore, runId: string, actorIds: readonly string[]): TransitionRecord[] {
  const db = readConnection(store);
  if (!db) {
    const wanted = new Set(actorIds);
    return store.getTransitions(runId).filter((r) => wanted.has(r.actorId));
  }
  try {
    db.run('BEGIN'); // a row's columns read again come from the same commit (StoredRows.columnsOf)
    const rows = db
      .query<unknown[], [string, string]>(
        `SELECT ${ROW_COLUMNS} FROM transitions WHERE run_id = ? AND actor_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
      )
      .values(runId, JSON.stringify(actorIds)) as RowValues[];
    const transitions = new StoredRows(db, runId).expand(rows, 0);
    db.run('COMMIT');
    return transitions;
  } finally {
    db.close();
  }
}

/**
 * Reads a run's rows after a seq again and again (the dashboard's live feed): on a SQLite file
 * through one read-only connection kept open, the rows as StoredTransitions whose payloads are
 * decoded only if read — a page open on a big run costs the dispatcher the rows' scan, not
 * their decoding. Any other store is read through getTransitions.
 */
export class JournalTail {
  private db: Database | null | undefined;

  constructor(private readonly store: SwarmStore) {}

  after(runId: string, afterSeq: number, limit: number): TransitionRecord[] {
    this.db ??= readConnection(this.store);
    const db = this.db;
    if (db === null) return this.store.getTransitions(runId, { afterSeq, limit });
    // One read transaction (ended even if a row is damaged): a row's columns read again come
    // from the same commit (StoredRows.columnsOf).
    const transitions = db.transaction(() => {
      const rows = db
        .query<unknown[], [string, number, number]>(`SELECT ${ROW_COLUMNS} FROM transitions WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`)
        .values(runId, afterSeq, limit) as RowValues[];
      // `limit` rows hold at least `limit` transitions after afterSeq: each row's own is after it.
      return new StoredRows(db, runId).expand(rows, afterSeq);
    })();
    return transitions.length > limit ? transitions.slice(0, limit) : transitions;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

/** Rows read per call while catching up. */
const CATCH_UP_CHUNK = 5_000;

/**
 * Every row of the run after `afterSeq`, handed to `take` a page at a time, through a tail
 * opened for this call (payloads decoded only if read): how a view kept between requests reads
 * what was committed since.
 */
export function readRowsAfter(store: SwarmStore, runId: string, afterSeq: number, take: (rows: TransitionRecord[]) => void): void {
  const tail = new JournalTail(store);
  try {
    for (let seq = afterSeq; ; ) {
      const rows = tail.after(runId, seq, CATCH_UP_CHUNK);
      if (rows.length > 0) take(rows);
      if (rows.length < CATCH_UP_CHUNK) return;
      seq = rows[rows.length - 1].seq;
    }
  } finally {
    tail.close();
  }
}
