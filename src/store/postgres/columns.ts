import {
  RUN_PATCH_FIELDS,
  TASK_PATCH_FIELDS,
  encodePatch,
  nodeRowFromRecord,
  taskRowFromNew,
  transitionRowFromNew,
  type ColumnValue,
  type NodeRow,
  type PatchField,
  type RunRow,
} from '../rows.ts';
import type { NewTask, RunPatch, StoreBatch, TaskPatch } from '../types.ts';
import type { Columns, CommitArgs, NodeColumns, PatchColumns, TaskColumns, TransitionColumns } from './protocol.ts';

/**
 * Rows to column arrays and back, for the bridge (see protocol.ts for why columns). Encoding
 * validates: a bad value throws here, on the caller's thread, before anything is sent.
 */

/** A new run's tasks, in manifest order (their position), as columns. */
export function encodeTasks(run: RunRow, tasks: NewTask[]): TaskColumns {
  const columns = emptyColumns<TaskColumns>([
    'runId', 'name', 'position', 'status', 'priority', 'dispatch', 'dependencies', 'attempts', 'output', 'error',
    'node', 'rollbackOutput', 'rollbackError', 'reused', 'startedAt', 'finishedAt',
  ]);
  for (let i = 0; i < tasks.length; i++) pushRow(columns, taskRowFromNew(tasks[i], run.id, i));
  return columns;
}

/**
 * A batch as column arrays, validated and JSON-encoded here (a bad value throws before anything
 * is sent, so nothing of the batch is written). Nodes are sent once per id, the last record of
 * an id in the batch winning, as SQLite's one-by-one upserts leave it.
 */
export function encodeBatch(batch: StoreBatch): CommitArgs {
  const transitions = emptyColumns<TransitionColumns>(['runId', 'actorId', 'actorKind', 'from', 'to', 'event', 'payload', 'at']);
  for (const t of batch.transitions) pushRow(transitions, transitionRowFromNew(t));
  const lastPerNode = new Map<string, NodeRow>();
  for (const node of batch.nodes) {
    const row = nodeRowFromRecord(node);
    lastPerNode.delete(row.id);
    lastPerNode.set(row.id, row);
  }
  const nodes = emptyColumns<NodeColumns>(['id', 'kind', 'status', 'capacity', 'running', 'capabilities', 'lastSeenAt', 'startedAt']);
  for (const row of lastPerNode.values()) pushRow(nodes, row);
  const fencing = batch.fencing;
  return {
    transitions,
    runs: patchColumns(batch.runs, RUN_PATCH_FIELDS, (p: RunPatch) => [p.id]),
    tasks: patchColumns(batch.tasks, TASK_PATCH_FIELDS, (p: TaskPatch) => [p.runId, p.name]),
    nodes,
    fences: {
      runId: fencing?.runs.map((f) => f.runId) ?? [],
      epoch: fencing?.runs.map((f) => f.epoch) ?? [],
      resent: fencing?.resent === true,
    },
  };
}

function patchColumns<P extends RunPatch | TaskPatch>(
  patches: P[],
  fields: readonly PatchField[],
  keysOf: (patch: P) => string[],
): PatchColumns {
  const keyCount = keysOf({} as P).length;
  const columns: PatchColumns = {
    keys: Array.from({ length: keyCount }, () => []),
    mask: [],
    fields: fields.map(() => []),
  };
  for (const patch of patches) {
    const { mask, values } = encodePatch(patch, fields);
    keysOf(patch).forEach((key, k) => columns.keys[k].push(key));
    columns.mask.push(mask);
    let next = 0;
    for (let f = 0; f < fields.length; f++) {
      columns.fields[f].push(mask & (1 << f) ? values[next++] : (null as ColumnValue));
    }
  }
  return columns;
}

/** Row `i` of column arrays, as an object. */
export function rowAt<R>(columns: Columns<R>, i: number): R {
  const row = {} as R;
  for (const key in columns) row[key] = columns[key][i];
  return row;
}

function emptyColumns<C extends object>(keys: (keyof C)[]): C {
  return Object.fromEntries(keys.map((key) => [key, []])) as C;
}

function pushRow<C extends object>(columns: C, row: { [K in keyof C]: unknown }): void {
  for (const key in columns) (columns[key] as unknown[]).push(row[key]);
}

