import type { ActorTag } from '../actor-tag.ts';
import { projectRun, projectTask } from '../projections.ts';
import type { RunPatch, RunRecord, TaskPatch, TaskRecord, TransitionRecord } from '../../../src/store/types.ts';
import type { DivergencePoint } from './journal-divergence.ts';
import { sameValue, show } from './values.ts';

/** The task fields a re-simulation rebuilds and compares with the stored `tasks` row. */
export const COMPARED_TASK_FIELDS = [
  'status',
  'attempts',
  'output',
  'error',
  'node',
  'reused',
  'rollbackOutput',
  'rollbackError',
  'startedAt',
  'finishedAt',
] as const satisfies readonly (keyof TaskRecord)[];

/** The run fields compared with the stored `runs` row (the counts only once the run has ended). */
export const COMPARED_RUN_FIELDS = ['status', 'completedTasks', 'failedTasks', 'finishedAt'] as const satisfies readonly (keyof RunRecord)[];

export type StoredTask = Pick<TaskRecord, 'name' | (typeof COMPARED_TASK_FIELDS)[number]>;
export type StoredRun = Pick<RunRecord, (typeof COMPARED_RUN_FIELDS)[number]>;

/** A task row as createRun writes it, before any actor projects onto it. */
export function createdTask(runId: string, name: string): TaskPatch {
  return {
    runId,
    name,
    status: 'pending',
    attempts: 0,
    output: null,
    error: null,
    node: null,
    rollbackOutput: null,
    rollbackError: null,
    reused: false,
    startedAt: null,
    finishedAt: null,
  };
}

export function createdRun(runId: string): RunPatch {
  return { id: runId, status: 'running', completedTasks: 0, failedTasks: 0, finishedAt: null };
}

/**
 * What the recorder's tag of an actor instance held after its `upTo` rows: the time of the last
 * one, and for a task the time it first reached `running` (JournalRecorder.record). Written
 * into `into` when given (a scratch tag: the projectors read it and keep nothing).
 */
export function tagOf(
  actorId: string,
  kind: ActorTag['kind'],
  runId: string,
  rows: readonly TransitionRecord[],
  upTo = rows.length,
  into?: ActorTag,
): ActorTag {
  let startedAt: number | null = null;
  if (kind === 'task') {
    for (let i = 0; i < upTo; i++) {
      if (rows[i].to === 'running') {
        startedAt = rows[i].at;
        break;
      }
    }
  }
  const tag = into ?? { actorId, kind, runId, lastAt: 0, startedAt: null, pending: undefined, lastValue: undefined, project: projectTask };
  tag.actorId = actorId;
  tag.kind = kind;
  tag.lastAt = upTo > 0 ? rows[upTo - 1].at : 0;
  tag.startedAt = startedAt;
  return tag;
}

/**
 * A store row rebuilt the way the recorder wrote it: the row as created, then each actor
 * instance's last projection applied in order, as a patch (a field a projector leaves out
 * keeps what an earlier instance wrote).
 */
export function applyPatch<T extends object>(row: T, patch: Partial<T>): T {
  for (const key in patch) if (patch[key] !== undefined) row[key] = patch[key] as T[typeof key];
  return row;
}

export function taskProjection(value: string, context: unknown, tag: ActorTag): TaskPatch {
  return projectTask({ value, context }, tag).task!;
}

export function runProjection(value: string, context: unknown, tag: ActorTag): RunPatch {
  return projectRun({ value, context }, tag).run!;
}

/** The first field where the stored task row differs from the rebuilt one. */
export function compareTask(rebuilt: TaskPatch, stored: StoredTask | undefined, lastSeq: number | null): DivergencePoint | null {
  const actorId = `task:${rebuilt.name}`;
  if (!stored) {
    return { kind: 'projection', seq: lastSeq, actorId, event: null, field: 'row', expected: '(no stored task row)', got: `a task in ${rebuilt.status}` };
  }
  for (const field of COMPARED_TASK_FIELDS) {
    const a = stored[field];
    const b = rebuilt[field];
    if (!sameValue(a, b)) return { kind: 'projection', seq: lastSeq, actorId, event: null, field, expected: show(a), got: show(b) };
  }
  return null;
}

/** The first run field that differs; the counts are compared only when `counts` (the run ended). */
export function compareRun(rebuilt: RunPatch, stored: StoredRun, counts: boolean, lastSeq: number | null): DivergencePoint | null {
  for (const field of COMPARED_RUN_FIELDS) {
    if (!counts && (field === 'completedTasks' || field === 'failedTasks')) continue;
    const a = stored[field];
    const b = rebuilt[field];
    if (!sameValue(a, b)) {
      return { kind: 'projection', seq: lastSeq, actorId: `coordinator:${rebuilt.id}`, event: null, field, expected: show(a), got: show(b) };
    }
  }
  return null;
}
