import { ACTOR_KINDS, COMPENSATION_STATUSES, RUN_STATUSES, TASK_STATUSES } from './types.ts';
import type { ActorKind, RunStatus, TaskStatus } from './types.ts';

/**
 * Input checks shared by every store. The enums are checked here rather than with SQL CHECK
 * constraints because a CHECK is frozen into the table: adding a task status later would need a
 * table rebuild. A failed check is a bug in the caller, so it throws a TypeError.
 */

const TASK_STATUS_SET: ReadonlySet<string> = new Set(TASK_STATUSES);
const RUN_STATUS_SET: ReadonlySet<string> = new Set(RUN_STATUSES);
const ACTOR_KIND_SET: ReadonlySet<string> = new Set(ACTOR_KINDS);
const NODE_KINDS: ReadonlySet<string> = new Set(['local', 'remote']);

function checkMember<T extends string>(set: ReadonlySet<string>, value: unknown, what: string): T {
  if (typeof value !== 'string' || !set.has(value)) {
    throw new TypeError(`Invalid ${what} ${JSON.stringify(value)}; expected one of: ${[...set].join(', ')}`);
  }
  return value as T;
}

/** Run statuses `deleteFinishedRunsBefore` may delete; running and paused runs are never deleted. */
/**
 * Dispatcher and node actors outlive the runs their rows are attributed to: a row of theirs
 * that names a run deleted meanwhile (a cleanup while a node finishes the run's last attempt)
 * is stored without the run id instead of failing the whole group commit.
 */
export function outlivesRuns(kind: ActorKind): boolean {
  return kind === 'dispatcher' || kind === 'node';
}

export { FINISHED_RUN_STATUSES } from './types.ts';

/** Statuses as an SQL list, `('a', 'b')`: they are the swarm's own words, never a user's. */
export function sqlStatusList(statuses: readonly string[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** The statuses countUndoneSuccesses counts, as SQL (the same in SQLite and PostgreSQL). */
export const UNDONE_STATUSES = sqlStatusList(COMPENSATION_STATUSES);

export const checkTaskStatus = (value: unknown): TaskStatus => checkMember(TASK_STATUS_SET, value, 'task status');
export const checkRunStatus = (value: unknown): RunStatus => checkMember(RUN_STATUS_SET, value, 'run status');
export const checkActorKind = (value: unknown): ActorKind => checkMember(ACTOR_KIND_SET, value, 'actor kind');
export const checkNodeKind = (value: unknown): 'local' | 'remote' => checkMember(NODE_KINDS, value, 'node kind');

/** A required text field (an id, a state name): a non-empty string. */
export function checkText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`Invalid ${what} ${JSON.stringify(value)}; expected a non-empty string`);
  }
  return value;
}

/** A required number field (a time, a count). */
export function checkNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`Invalid ${what} ${JSON.stringify(value)}; expected a finite number`);
  }
  return value;
}

/** A `limit` option: undefined means no limit, returned as -1 (SQLite's "no limit"). */
export function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return -1;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new TypeError(`Invalid limit ${JSON.stringify(limit)}; expected a non-negative integer`);
  }
  return limit;
}
