import { SQLiteError } from 'bun:sqlite';
import { RunNotFoundError } from '../errors.ts';
import { encodePatch, nodeRowFromRecord, transitionRowFromNew, RUN_PATCH_FIELDS, TASK_PATCH_FIELDS, type ColumnValue } from './rows.ts';
import { MAX_TRANSITIONS_PER_ROW, encodeEarlier, sameActor } from './merged-transitions.ts';
import { COMMITTED, DUPLICATE, withoutFencedRuns, type CommitOutcome } from './run-lease.ts';
import type { SqliteLeases } from './sqlite-leases.ts';
import { ROWS_PER_INSERT, TRANSITION_ROW_WIDTH, type SqliteStatements } from './sqlite-statements.ts';
import { TaskNotFoundError } from './store-errors.ts';
import { checkRunStatus, outlivesRuns } from './validation.ts';
import type { ActorKind, NewTransition, StoreBatch, TaskPatch } from './types.ts';

/**
 * The body of one group commit: the journal rows, then the runs', tasks' and nodes' projections.
 * Runs inside the store's IMMEDIATE transaction, so any throw rolls it all back.
 */
export function writeBatch(s: SqliteStatements, leases: SqliteLeases, given: StoreBatch): CommitOutcome {
  let batch = given;
  let outcome = COMMITTED;
  if (given.fencing) {
    const { fenced, duplicate } = leases.fence(given, given.fencing);
    // Landed the first time: nothing more to write (the transaction commits nothing).
    if (duplicate) return DUPLICATE;
    if (fenced.length > 0) {
      batch = withoutFencedRuns(given, new Set(fenced.map((f) => f.runId)));
      outcome = { fenced, duplicate: false };
    }
  }
  writeJournal(s, batch.transitions);
  for (const { status, ...patch } of batch.runs) {
    // The status goes through its own statement (see setRunStatusIfChanged).
    const { mask, values } = encodePatch(patch, RUN_PATCH_FIELDS);
    const found =
      mask === 0 ? s.runExists.get(patch.id) !== null : s.runPatches.forMask(mask).run(...values, patch.id).changes > 0;
    if (!found) throw new RunNotFoundError(patch.id);
    if (status !== undefined) s.setRunStatusIfChanged.run(checkRunStatus(status), patch.id);
  }
  for (const patch of batch.tasks) {
    const { mask, values } = encodePatch(patch, TASK_PATCH_FIELDS);
    const found =
      mask === 0
        ? s.taskExists.get(patch.runId, patch.name) !== null
        : s.taskPatches.forMask(mask).run(...values, patch.runId, patch.name).changes > 0;
    if (!found) throw missingTaskError(s, patch);
  }
  for (const node of batch.nodes) {
    const n = nodeRowFromRecord(node);
    s.upsertNode.run(n.id, n.kind, n.status, n.capacity, n.running, n.capabilities, n.lastSeenAt, n.startedAt);
  }
  return outcome;
}

/**
 * The batch's transitions, each run of one actor's in a row of the table (merged-transitions.ts).
 * Seqs are given, not left to SQLite: a row takes its last transition's, and the journal goes
 * on from the highest seq there was (lastSeq), so none is ever reused.
 */
function writeJournal(s: SqliteStatements, transitions: readonly NewTransition[]): void {
  if (transitions.length === 0) return;
  const rows = transitions.map(transitionRowFromNew);
  const base = s.lastSeq.get()?.seq ?? 0;
  let values: ColumnValue[] = [];
  let count = 0;
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && end - start < MAX_TRANSITIONS_PER_ROW && sameActor(rows[end - 1], rows[end])) end++;
    const t = rows[end - 1];
    const earlier = end - start > 1 ? encodeEarlier(rows, start, end - 1) : null;
    values.push(base + end, t.runId, t.actorId, t.actorKind, t.from, t.to, t.event, t.payload, t.at, earlier, end - start - 1);
    start = end;
    if (++count === ROWS_PER_INSERT || start === rows.length) {
      insertJournalRows(s, values, count);
      values = [];
      count = 0;
    }
  }
}

function insertJournalRows(s: SqliteStatements, values: ColumnValue[], count: number): void {
  try {
    s.transitionInserts.forCount(count).run(...values);
  } catch (err) {
    // The foreign key on run_id is how a journal row for an unknown run is caught, for free;
    // the rows are then written one by one to find which (a failed statement wrote nothing,
    // so nothing is doubled).
    if (!(err instanceof SQLiteError && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw err;
    for (let i = 0; i < count; i++) insertJournalRow(s, values.slice(i * TRANSITION_ROW_WIDTH, (i + 1) * TRANSITION_ROW_WIDTH));
  }
}

/** One table row, as insertTransition binds it; a node's or dispatcher's row outlives a deleted run. */
function insertJournalRow(s: SqliteStatements, row: ColumnValue[]): void {
  const insert = s.insertTransition;
  try {
    insert.run(...row);
  } catch (err) {
    const [, runId, , actorKind] = row;
    if (typeof runId === 'string' && err instanceof SQLiteError && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      if (!outlivesRuns(actorKind as ActorKind)) throw new RunNotFoundError(runId);
      row[1] = null;
      insert.run(...row);
      return;
    }
    throw err;
  }
}

function missingTaskError(s: SqliteStatements, patch: TaskPatch): Error {
  return s.runExists.get(patch.runId) === null
    ? new RunNotFoundError(patch.runId)
    : new TaskNotFoundError(patch.runId, patch.name);
}
