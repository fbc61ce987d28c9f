import type { SerializedError } from './errors.ts';
import type { RunStatus, TaskStatus } from './store/types.ts';

/**
 * Every message the swarm's actors exchange, as one discriminated union per receiving actor
 * kind, with a small factory for each so call sites never spell an event object by hand.
 * The `type` strings are what the journal records in its `event` column, so they are part
 * of the persisted format: rename one only with a migration.
 */

// ---- task actor ------------------------------------------------------------------------------
export type TaskMessage =
  | { type: 'task.depsMet' }
  | { type: 'task.skip'; because: string }
  | { type: 'task.assign'; node: string }
  | { type: 'task.started'; attempt: number }
  /** The node gave the attempt back before starting it (it held it ahead): it was never made. */
  | { type: 'task.returned'; attempt: number }
  | { type: 'task.succeeded'; attempt: number; output: unknown }
  | { type: 'task.failed'; attempt: number; error: SerializedError; retryable: boolean }
  /** No node in the swarm can ever take the task: it fails without an attempt. */
  | { type: 'task.unservable'; error: SerializedError }
  | { type: 'task.rollbackSucceeded'; output: unknown }
  | { type: 'task.rollbackFailed'; error: SerializedError }
  /**
   * Undo a succeeded task (saga, or `swarm rollback`) by running its rollback. A task whose
   * actor is gone is compensated by a new one, which learns from the event what it had done.
   */
  | { type: 'task.compensate'; output: unknown; attempts: number; node: string | null }
  | { type: 'task.cancel'; reason: string }
  /** A replay carries over this task's result from the run it replays: it does not run. */
  | { type: 'task.reuse'; output: unknown; fromRun: string }
  /** A resumed run: the task was in flight when its dispatcher stopped; it runs again. */
  | { type: 'task.recover'; attempts: number }
  /** A resumed run: the task's rollback was running when its dispatcher stopped. */
  | { type: 'task.recoverRollback'; attempts: number; error: SerializedError | null };

export const taskMessages = {
  depsMet: (): TaskMessage => ({ type: 'task.depsMet' }),
  skip: (because: string): TaskMessage => ({ type: 'task.skip', because }),
  assign: (node: string): TaskMessage => ({ type: 'task.assign', node }),
  started: (attempt: number): TaskMessage => ({ type: 'task.started', attempt }),
  returned: (attempt: number): TaskMessage => ({ type: 'task.returned', attempt }),
  succeeded: (attempt: number, output: unknown): TaskMessage => ({ type: 'task.succeeded', attempt, output }),
  failed: (attempt: number, error: SerializedError, retryable = true): TaskMessage => ({
    type: 'task.failed',
    attempt,
    error,
    retryable,
  }),
  unservable: (error: SerializedError): TaskMessage => ({ type: 'task.unservable', error }),
  rollbackSucceeded: (output: unknown): TaskMessage => ({ type: 'task.rollbackSucceeded', output }),
  rollbackFailed: (error: SerializedError): TaskMessage => ({ type: 'task.rollbackFailed', error }),
  compensate: (done: { output: unknown; attempts: number; node: string | null }): TaskMessage => ({
    type: 'task.compensate',
    ...done,
  }),
  cancel: (reason: string): TaskMessage => ({ type: 'task.cancel', reason }),
  reuse: (output: unknown, fromRun: string): TaskMessage => ({ type: 'task.reuse', output, fromRun }),
  recover: (attempts: number): TaskMessage => ({ type: 'task.recover', attempts }),
  recoverRollback: (attempts: number, error: SerializedError | null): TaskMessage => ({
    type: 'task.recoverRollback',
    attempts,
    error,
  }),
};

// ---- coordinator actor (one per run) ---------------------------------------------------------
/** A task that settled, as the coordinator counts it. */
export interface SettledTask {
  task: string;
  status: TaskStatus;
}

/** Why a run compensates: its own failure (saga) or a request (`swarm rollback`). */
export type CompensationReason = 'failure' | 'request';

export type CoordinatorMessage =
  /** `resumed`: tasks of a resumed run that had settled before it stopped, by status. */
  | { type: 'run.start'; resumed?: Partial<Record<TaskStatus, number>> }
  | { type: 'run.tasksSettled'; settled: SettledTask[] }
  | { type: 'run.pause' }
  | { type: 'run.resume' }
  | { type: 'run.cancel'; reason: string }
  /**
   * Compensate the run's succeeded symbols: a finished run rolled back by hand, or a compensation
   * a run taken up was in the middle of, where `why` says whose it was (a saga's after the run's
   * own failure ends the run failed). `settled`: its counts when the compensation began.
   */
  | { type: 'run.compensate'; settled: Partial<Record<TaskStatus, number>>; why?: CompensationReason }
  /** The compensations are done; `failed` of them did not succeed. */
  | { type: 'run.compensated'; failed: number };

export const coordinatorMessages = {
  start: (resumed?: Partial<Record<TaskStatus, number>>): CoordinatorMessage =>
    resumed ? { type: 'run.start', resumed } : { type: 'run.start' },
  /** Several tasks at once: settlements arrive in bursts, and one event per burst is cheaper. */
  tasksSettled: (settled: SettledTask[]): CoordinatorMessage => ({
    type: 'run.tasksSettled',
    settled,
  }),
  pause: (): CoordinatorMessage => ({ type: 'run.pause' }),
  resume: (): CoordinatorMessage => ({ type: 'run.resume' }),
  cancel: (reason: string): CoordinatorMessage => ({ type: 'run.cancel', reason }),
  compensate: (settled: Partial<Record<TaskStatus, number>>, why: CompensationReason = 'request'): CoordinatorMessage =>
    why === 'request' ? { type: 'run.compensate', settled } : { type: 'run.compensate', settled, why },
  compensated: (failed: number): CoordinatorMessage => ({ type: 'run.compensated', failed }),
};

// ---- node actor (one per local pool or remote worker) ----------------------------------------
export type NodeMessage =
  /**
   * `count` attempts started (ended) on the node. `runId` is the run of the first of them: it
   * is what the journal files the node's resulting transition under, so a run's history shows
   * the node's state changes its work caused.
   */
  | { type: 'node.attemptsStarted'; runId: string; count: number }
  | { type: 'node.attemptsEnded'; runId: string; count: number }
  /**
   * A batch's attempts (a loop turn of thread reports, a worker's frame): `started` began and
   * `ended` ended, counted together. Work that both starts and ends within one batch leaves an
   * idle node idle: one event and no state change, instead of idle → busy → idle, two journal
   * rows and a projection write for every step of a chain.
   */
  | { type: 'node.attemptsCounted'; runId: string; started: number; ended: number }
  | { type: 'node.heartbeat'; at: number }
  | { type: 'node.drain' }
  | { type: 'node.lost'; reason: string };

export const nodeMessages = {
  attemptsStarted: (runId: string, count: number): NodeMessage => ({ type: 'node.attemptsStarted', runId, count }),
  attemptsEnded: (runId: string, count: number): NodeMessage => ({ type: 'node.attemptsEnded', runId, count }),
  attemptsCounted: (runId: string, started: number, ended: number): NodeMessage => ({ type: 'node.attemptsCounted', runId, started, ended }),
  heartbeat: (at: number): NodeMessage => ({ type: 'node.heartbeat', at }),
  drain: (): NodeMessage => ({ type: 'node.drain' }),
  lost: (reason: string): NodeMessage => ({ type: 'node.lost', reason }),
};

// ---- dispatcher actor (one per process) ------------------------------------------------------
export type DispatcherMessage =
  | { type: 'dispatcher.ready' }
  | { type: 'dispatcher.runAccepted'; runId: string }
  | { type: 'dispatcher.runFinished'; runId: string; status: RunStatus }
  /** The run left this dispatcher unfinished: another process took it over (its lease passed). */
  | { type: 'dispatcher.runReleased'; runId: string }
  | { type: 'dispatcher.stop' }
  | { type: 'dispatcher.drained' };

export const dispatcherMessages = {
  ready: (): DispatcherMessage => ({ type: 'dispatcher.ready' }),
  runAccepted: (runId: string): DispatcherMessage => ({ type: 'dispatcher.runAccepted', runId }),
  runFinished: (runId: string, status: RunStatus): DispatcherMessage => ({
    type: 'dispatcher.runFinished',
    runId,
    status,
  }),
  runReleased: (runId: string): DispatcherMessage => ({ type: 'dispatcher.runReleased', runId }),
  stop: (): DispatcherMessage => ({ type: 'dispatcher.stop' }),
  drained: (): DispatcherMessage => ({ type: 'dispatcher.drained' }),
};

export type SwarmMessage = TaskMessage | CoordinatorMessage | NodeMessage | DispatcherMessage;
