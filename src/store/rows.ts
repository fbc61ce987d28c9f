import { storedError } from '../errors.ts';
import type { ManifestFormat } from '../manifest/types.ts';
import { decodeJson, encodeJson } from './json-columns.ts';
import {
  checkActorKind,
  checkNodeKind,
  checkNumber,
  checkRunStatus,
  checkTaskStatus,
  checkText,
} from './validation.ts';
import type {
  ActorKind,
  NewRun,
  NewTask,
  NewTransition,
  NodeRecord,
  RunPatch,
  RunRecord,
  RunStatus,
  TaskPatch,
  TaskRecord,
  TaskStatus,
  TransitionRecord,
  RunListing,
} from './types.ts';

/**
 * Rows are records as stored: JSON fields as JSON text, booleans as 0/1. The SQLite store selects
 * columns under these (camelCase) names and the memory store keeps these very objects, so both
 * share one encoding and one decoding — and so the same semantics.
 */

/** A value a column can hold. */
export type ColumnValue = string | number | null;

export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  manifestSource: string;
  manifestFormat: ManifestFormat;
  manifest: string | null;
  manifestPath: string | null;
  metadata: string;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  replayOf: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface TaskRow {
  runId: string;
  name: string;
  /** Index in the manifest; keeps getTasks in manifest order. */
  position: number;
  status: TaskStatus;
  priority: number;
  dispatch: string;
  dependencies: string;
  attempts: number;
  output: string | null;
  error: string | null;
  node: string | null;
  rollbackOutput: string | null;
  rollbackError: string | null;
  reused: 0 | 1;
  startedAt: number | null;
  finishedAt: number | null;
}

export type TransitionRow = Omit<TransitionRecord, 'payload'> & { payload: string | null };

export type NodeRow = Omit<NodeRecord, 'capabilities'> & { capabilities: string };

// ---- input → row (validating) -------------------------------------------------------------

/** `manifest`: the manifest as stored, when the store encodes it its own way (see manifest-parts.ts). */
export function runRowFromNew(run: NewRun, manifest: string | null = encodeJson(run.manifest)): RunRow {
  return {
    id: checkText(run.id, 'run id'),
    name: run.name,
    status: checkRunStatus(run.status ?? 'running'),
    manifestSource: run.manifestSource,
    manifestFormat: run.manifestFormat,
    manifest,
    manifestPath: run.manifestPath ?? null,
    metadata: encodeJson(run.metadata ?? {}) ?? '{}',
    totalTasks: checkNumber(run.totalTasks, 'totalTasks'),
    completedTasks: 0,
    failedTasks: 0,
    replayOf: run.replayOf ?? null,
    createdAt: checkNumber(run.createdAt, 'createdAt'),
    finishedAt: null,
  };
}

/** Most tasks of a big fan-out: one string for all of them instead of one each. */
const NO_DEPENDENCIES = '[]';

/** A new task's row; a `runId` given must be the run it is created with (a mismatch is a caller bug). */
export function taskRowFromNew(task: NewTask, runId: string, position: number): TaskRow {
  if (task.runId !== undefined && task.runId !== runId) {
    throw new TypeError(`Task "${task.name}" names run "${task.runId}" but is created with run "${runId}"`);
  }
  return {
    runId,
    name: checkText(task.name, 'task name'),
    position,
    status: checkTaskStatus(task.status ?? 'pending'),
    priority: task.priority ?? 0,
    dispatch: task.dispatch,
    dependencies: task.dependencies === undefined || task.dependencies.length === 0 ? NO_DEPENDENCIES : JSON.stringify(task.dependencies),
    attempts: 0,
    output: encodeJson(task.output),
    error: null,
    node: null,
    rollbackOutput: null,
    rollbackError: null,
    reused: task.reused ? 1 : 0,
    startedAt: null,
    finishedAt: null,
  };
}

/** A journal row without its seq (the store assigns it). */
export function transitionRowFromNew(t: NewTransition): Omit<TransitionRow, 'seq'> {
  return {
    runId: t.runId ?? null,
    actorId: checkText(t.actorId, 'actorId'),
    actorKind: checkActorKind(t.actorKind),
    from: t.from ?? null,
    to: checkText(t.to, 'transition target state'),
    event: checkText(t.event, 'transition event'),
    payload: encodeJson(t.payload),
    at: checkNumber(t.at, 'transition time'),
  };
}

export function nodeRowFromRecord(node: NodeRecord): NodeRow {
  return {
    id: checkText(node.id, 'node id'),
    kind: checkNodeKind(node.kind),
    status: node.status,
    capacity: node.capacity,
    running: node.running,
    capabilities: JSON.stringify(node.capabilities ?? []),
    lastSeenAt: checkNumber(node.lastSeenAt, 'node lastSeenAt'),
    startedAt: checkNumber(node.startedAt, 'node startedAt'),
  };
}

// ---- row → record -------------------------------------------------------------------------

export type RunListingRow = Omit<RunRow, 'manifestSource' | 'manifest'>;

export function runListingFromRow(row: RunListingRow): RunListing {
  return { ...row, metadata: JSON.parse(row.metadata) as Record<string, unknown> };
}

export function runFromRow(row: RunRow): RunRecord {
  return {
    ...row,
    manifest: decodeJson(row.manifest),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  };
}

export function taskFromRow(row: TaskRow): TaskRecord {
  return {
    runId: row.runId,
    name: row.name,
    status: row.status,
    priority: row.priority,
    dispatch: row.dispatch,
    dependencies: JSON.parse(row.dependencies) as string[],
    attempts: row.attempts,
    output: decodeJson(row.output),
    // An older swarm stored errors without a code: read as UNKNOWN (storedError).
    error: storedError(decodeJson(row.error)),
    node: row.node,
    rollbackOutput: decodeJson(row.rollbackOutput),
    rollbackError: storedError(decodeJson(row.rollbackError)),
    reused: row.reused === 1,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export function transitionFromRow(row: TransitionRow): TransitionRecord {
  return { ...row, actorKind: row.actorKind as ActorKind, payload: decodeJson(row.payload) };
}

export function nodeFromRow(row: NodeRow): NodeRecord {
  return { ...row, capabilities: JSON.parse(row.capabilities) as string[] };
}

// ---- partial patches ----------------------------------------------------------------------

/** One patchable field: its key in the patch (and in the row), its SQL column, its encoding. */
export interface PatchField {
  key: string;
  column: string;
  encode: (value: never) => ColumnValue;
}

const asIs = (value: ColumnValue): ColumnValue => value;

/** The fields a TaskPatch may change, in a fixed order: bit i of a patch mask is field i. */
export const TASK_PATCH_FIELDS: readonly PatchField[] = [
  { key: 'status', column: 'status', encode: checkTaskStatus },
  { key: 'attempts', column: 'attempts', encode: asIs },
  { key: 'output', column: 'output', encode: encodeJson },
  { key: 'error', column: 'error', encode: encodeJson },
  { key: 'node', column: 'node', encode: asIs },
  { key: 'rollbackOutput', column: 'rollback_output', encode: encodeJson },
  { key: 'rollbackError', column: 'rollback_error', encode: encodeJson },
  { key: 'reused', column: 'reused', encode: (v: boolean) => (v ? 1 : 0) },
  { key: 'startedAt', column: 'started_at', encode: asIs },
  { key: 'finishedAt', column: 'finished_at', encode: asIs },
];

export const RUN_PATCH_FIELDS: readonly PatchField[] = [
  { key: 'status', column: 'status', encode: checkRunStatus },
  { key: 'completedTasks', column: 'completed_tasks', encode: asIs },
  { key: 'failedTasks', column: 'failed_tasks', encode: asIs },
  { key: 'finishedAt', column: 'finished_at', encode: asIs },
];

/** A patch reduced to which fields it sets (a bit mask over the field list) and their encoded values. */
export interface EncodedPatch {
  mask: number;
  values: ColumnValue[];
}

/**
 * Encodes the fields a patch gives. A field whose value is `undefined` is "not given" and left
 * unchanged; to clear a nullable field, pass `null`.
 */
export function encodePatch(patch: TaskPatch | RunPatch, fields: readonly PatchField[]): EncodedPatch {
  const given = patch as unknown as Record<string, never>;
  let mask = 0;
  const values: ColumnValue[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const value = given[field.key];
    if (value === undefined) continue;
    mask |= 1 << i;
    values.push(field.encode(value));
  }
  return { mask, values };
}

/** Applies an encoded patch to a row object (the memory store's update). */
export function applyPatchToRow(row: object, fields: readonly PatchField[], patch: EncodedPatch): void {
  const target = row as Record<string, ColumnValue>;
  let next = 0;
  for (let i = 0; i < fields.length; i++) {
    if (patch.mask & (1 << i)) target[fields[i].key] = patch.values[next++];
  }
}
