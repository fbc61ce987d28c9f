import { storedError, type SerializedError } from './errors.ts';
import type { TransitionRecord } from './store/types.ts';

/**
 * Every attempt of every task of a run, read back from the run's journal alone: the task
 * projection keeps only the last attempt's error and the whole span, while people reading a
 * failure want each try (where it ran, how long it waited and ran, how it ended) and the
 * compensation apart from the run's own work. Pure: rows in, records out.
 */

export type AttemptKind = 'run' | 'rollback' | 'reuse';

export type AttemptResult =
  | 'running'
  /** The process hosting the run died during the attempt; a resumed run tried again. */
  | 'interrupted'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'not_started'
  | 'cancelled'
  | 'unservable'
  | 'rolled_back'
  | 'rollback_failed'
  | 'reused';

export interface AttemptRecord {
  kind: AttemptKind;
  /** The attempt number (a rollback carries the attempt it compensates); null when none ran. */
  attempt: number | null;
  node: string | null;
  /** When the task became ready for this attempt (queue wait = assignedAt - readyAt; then held on its node until startedAt). */
  readyAt: number | null;
  assignedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  result: AttemptResult;
  /** Without the stack: what went wrong, for people. */
  error: SerializedError | null;
  output?: unknown;
  /** For `reuse`: the run whose result was carried over. */
  fromRun?: string;
  /** For `rollback`: the journal seq of its start, which orders rollbacks begun in one millisecond. */
  startSeq?: number;
  /**
   * For `interrupted`: when the journal saw it cut short (the takeover's first row of the task).
   * Its process died earlier, at a time nothing recorded, so `endedAt` stays null.
   */
  interruptedAt?: number;
}

/**
 * How long an attempt waited before it ran: in the queue, then held on its node until it
 * started (work held ahead waits there); until its assignment when it never started. Null
 * when the times are not known. One figure for `show --attempts`, the drawer and the timeline.
 */
export function waitedMs(a: Pick<AttemptRecord, 'readyAt' | 'assignedAt' | 'startedAt'>): number | null {
  const until = a.startedAt ?? a.assignedAt;
  return a.readyAt === null || until === null ? null : until - a.readyAt;
}

/** Task name → its attempts in order. Rows of other actors are ignored. */
export function attemptHistory(transitions: readonly TransitionRecord[]): Map<string, AttemptRecord[]> {
  const fold = new AttemptFold();
  fold.readAll(transitions);
  return fold.attempts();
}

/**
 * The same reading, fed in pieces: rows read later continue where the last ones stopped, so a
 * live view folds only what is new (rows must come in seq order, each once).
 */
export class AttemptFold {
  private readonly byTask = new Map<string, TaskReader>();
  /** The last seq read, or 0. */
  lastSeq = 0;
  /** When the last row read happened, or null. */
  lastAt: number | null = null;

  /** `keepOutputs: false` drops attempts' outputs (a timeline kept in memory needs none). */
  constructor(private readonly options: { keepOutputs?: boolean } = {}) {}

  readAll(rows: readonly TransitionRecord[]): void {
    for (const row of rows) this.read(row);
  }

  read(row: TransitionRecord): void {
    this.lastSeq = row.seq;
    this.lastAt = row.at;
    if (row.actorKind !== 'task' || !row.actorId.startsWith('task:')) return;
    const name = row.actorId.slice('task:'.length);
    let reader = this.byTask.get(name);
    if (!reader) this.byTask.set(name, (reader = new TaskReader(this.options.keepOutputs ?? true)));
    reader.read(row);
  }

  /** Task name → its attempts, in the order the tasks first appeared (live records: read, don't keep). */
  attempts(): Map<string, AttemptRecord[]> {
    return new Map([...this.byTask].map(([name, reader]) => [name, reader.attempts]));
  }
}

/** The events whose payload gives the attempts already made (a resumed or compensated task). */
const CARRY_ATTEMPTS = new Set(['task.recover', 'task.recoverRollback', 'task.compensate']);

/** Follows one task actor's rows. */
class TaskReader {
  constructor(private readonly keepOutputs: boolean) {}

  readonly attempts: AttemptRecord[] = [];
  private count = 0;
  private readyAt: number | null = null;
  private current: AttemptRecord | null = null;

  read(row: TransitionRecord): void {
    // Decoded only for the rows that need it (a stored row's payload is JSON text until read):
    // a live timeline folds every row of a 100k-task run.
    let decoded: Record<string, unknown> | undefined;
    const payload = () => (decoded ??= (row.payload ?? {}) as Record<string, unknown>);
    if (row.from === null && this.current) {
      // A new actor for the same task: the run was resumed by another process.
      this.current.result = 'interrupted';
      this.current.interruptedAt = row.at;
      this.current = null;
    }
    if (CARRY_ATTEMPTS.has(row.event)) {
      const attempts = payload().attempts;
      if (typeof attempts === 'number') this.count = attempts;
    }
    if (row.event === 'task.returned' && this.current) {
      // Given back unstarted by the node that held it: no attempt was made. The next one
      // waited since the task first became ready.
      this.attempts.splice(this.attempts.indexOf(this.current), 1);
      this.count -= 1;
      this.readyAt = this.current.readyAt;
      this.current = null;
      return;
    }
    if (row.to === 'ready') this.readyAt = row.at;
    if (row.event === 'task.reuse') {
      this.push({ kind: 'reuse', attempt: null, node: null, readyAt: null, assignedAt: null, startedAt: null, endedAt: row.at, result: 'reused', error: null, ...(this.keepOutputs && { output: payload().output }), fromRun: String(payload().fromRun ?? '') });
      return;
    }
    if (row.from === 'ready' && row.to === 'failed') {
      this.push({ ...this.blank('run', null, row.at), endedAt: row.at, result: 'unservable', error: journalError(payload().error) });
      return;
    }
    if (row.to === 'assigned') {
      this.count += 1;
      this.current = this.push({ ...this.blank('run', this.count, this.readyAt), node: stringOr(payload().node), assignedAt: row.at });
      return;
    }
    if (row.to === 'rolling_back') {
      const given = payload().node;
      const node = typeof given === 'string' ? given : this.lastNode();
      this.current = this.push({ ...this.blank('rollback', this.count || null, null), node, startedAt: row.at, startSeq: row.seq });
      return;
    }
    const current = this.current;
    if (!current) return;
    if (row.to === 'running' && current.kind === 'run') {
      current.startedAt = row.at;
      return;
    }
    if (row.from !== 'assigned' && row.from !== 'running' && row.from !== 'rolling_back') return;
    current.endedAt = row.at;
    current.result = resultOf(row, current);
    if (this.keepOutputs && (current.result === 'succeeded' || current.result === 'rolled_back') && 'output' in payload()) current.output = payload().output;
    current.error = journalError(payload().error) ?? impliedError(current.result, row);
    this.current = null;
  }

  private blank(kind: AttemptKind, attempt: number | null, readyAt: number | null): AttemptRecord {
    return { kind, attempt, node: null, readyAt, assignedAt: null, startedAt: null, endedAt: null, result: 'running', error: null };
  }

  private push(record: AttemptRecord): AttemptRecord {
    this.attempts.push(record);
    return record;
  }

  private lastNode(): string | null {
    for (let i = this.attempts.length - 1; i >= 0; i--) if (this.attempts[i].node) return this.attempts[i].node;
    return null;
  }
}

function resultOf(row: TransitionRecord, current: AttemptRecord): AttemptResult {
  if (row.to === 'cancelled') return 'cancelled';
  if (current.kind === 'rollback') return row.to === 'rolled_back' ? 'rolled_back' : 'rollback_failed';
  if (row.to === 'succeeded') return 'succeeded';
  if (row.event.startsWith('xstate.after.')) return row.from === 'assigned' ? 'not_started' : 'timed_out';
  return 'failed';
}

/**
 * The error of a task row that ends an attempt by a timeout (XState's `after` event, which
 * carries no payload), as the machine recorded it; null for any other row.
 */
export function timeoutErrorOf(row: Pick<TransitionRecord, 'event' | 'from'>): SerializedError | null {
  if (!row.event.startsWith('xstate.after.')) return null;
  switch (row.from) {
    case 'running':
      return { name: 'TaskTimeoutError', code: 'TASK_TIMEOUT', message: 'the attempt timed out and was aborted' };
    case 'assigned':
      return { name: 'TaskTimeoutError', code: 'TASK_NOT_STARTED', message: 'the node never started the attempt' };
    case 'rolling_back':
      return { name: 'TaskTimeoutError', code: 'TASK_TIMEOUT', message: 'the rollback timed out' };
    default:
      return null;
  }
}

/** Timeouts and cancels carry no error in their event: say what the machine recorded. */
function impliedError(result: AttemptResult, row: TransitionRecord): SerializedError | null {
  const reason = (row.payload as { reason?: unknown } | null)?.reason;
  switch (result) {
    case 'timed_out':
    case 'not_started':
    case 'rollback_failed':
      return timeoutErrorOf(row);
    case 'cancelled':
      return { name: 'TaskCancelledError', code: 'TASK_CANCELLED', message: typeof reason === 'string' ? reason : 'cancelled' };
    default:
      return null;
  }
}

/** A journal payload's error, without its stack; one an older swarm wrote without a code has UNKNOWN. */
export function journalError(value: unknown): SerializedError | null {
  const error = storedError(value);
  return error && { name: error.name, code: error.code, message: error.message };
}

function stringOr(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
