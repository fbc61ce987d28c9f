import { assign, enqueueActions, setup } from 'xstate';
import type { SerializedError } from '../src/errors.ts';
import type { TaskMessage } from '../src/messages.ts';

/**
 * One task = one symbol of one run. The machine decides the lifecycle; everything it makes
 * happen (queueing, dispatching to a node, aborting, reporting) is a named action the host
 * supplies with `taskMachine.provide(...)`. Timers are XState delays, so an injected clock
 * drives them in tests.
 *
 *   pending → ready → assigned → running → succeeded
 *   assigned → failed                                  (the node never started it: a backstop)
 *   assigned → ready                                   (the node gave it back unstarted: no attempt made)
 *   running → failed → retrying → ready …            (while attempts remain)
 *   failed → rolling_back → rolled_back | rollback_failed  (last attempt, symbol has a rollback)
 *   pending → skipped · pending|ready|assigned|running|retrying|rolling_back → cancelled
 *   succeeded → rolling_back                           (saga compensation)
 *   pending → succeeded (reused by a replay) · pending → ready | rolling_back (a resumed run)
 */
export interface TaskInput {
  runId: string;
  name: string;
  /** Extra attempts after the first failure. */
  retries: number;
  timeout: number;
  /** The rollback symbol's timeout, or null when there is no rollback to run. */
  rollbackTimeout: number | null;
  backoff: { base: number; max: number };
  /** Attempts already made (a resumed or replayed task continues counting). */
  attempt?: number;
}

export interface TaskContext extends Omit<TaskInput, 'attempt'> {
  attempt: number;
  node: string | null;
  output: unknown;
  error: SerializedError | null;
  /** False when the last failure cannot be helped by trying again. */
  retryable: boolean;
  rollbackOutput: unknown;
  rollbackError: SerializedError | null;
  skippedBecause: string | null;
  /** The run whose result a replay carried over for this task, if any. */
  reusedFrom: string | null;
}

/** Exponential backoff without jitter; the runtime provides a jittered `retryDelay`. */
export function exponentialBackoff(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

export type SettledStatus = (typeof TERMINAL_TASK_STATES)[number];

/** States in which a task has nothing on a node: a cancel settles them at once, with no grace period. */
export const OFF_NODE_TASK_STATES = ['pending', 'ready', 'retrying'] as const;

export const TERMINAL_TASK_STATES = [
  'succeeded',
  'failed',
  'rolled_back',
  'rollback_failed',
  'skipped',
  'cancelled',
] as const;

const cancelTransition = { target: 'cancelled' as const, actions: 'recordCancel' as const };
/** Cancelling an attempt in flight also stops it where it runs. */
const cancelAttemptTransition = { target: 'cancelled' as const, actions: ['abortAttempt' as const, 'recordCancel' as const] };

/**
 * The attempt's deadline passed (in `assigned`: it never started; in `running`: it ran too
 * long): stop it where it runs and fail it, retryably. A function, not a named action, so the
 * two transitions stay plain data the host cannot change.
 */
function attemptTimedOut(code: 'TASK_TIMEOUT' | 'TASK_NOT_STARTED', message: (context: TaskContext) => string) {
  return {
    target: 'failed' as const,
    actions: [
      'abortAttempt' as const,
      assign<TaskContext, TaskMessage, undefined, TaskMessage, never>({
        error: ({ context }) => ({ name: 'TaskTimeoutError', code, message: message(context) }),
        retryable: true,
      }),
    ],
  };
}

export const taskMachine = setup({
  types: {} as { context: TaskContext; events: TaskMessage; input: TaskInput },
  actions: {
    /** The task can run now: put it in the ready queue. */
    announceReady: () => {},
    /** The task left the ready queue (assigned, cancelled or failed before an attempt). */
    leaveReady: () => {},
    /** Send the current attempt to the node named in context.node. */
    startAttempt: () => {},
    /** Stop the current attempt wherever it runs (timeout or cancel). */
    abortAttempt: () => {},
    /** Queue the rollback symbol for execution. */
    startRollback: () => {},
    abortRollback: () => {},
    /** The task reached a state it will not leave on its own: `params.status`. */
    announceSettled: (_, _params: { status: SettledStatus }) => {},
    recordFailure: assign(({ context, event }) =>
      event.type === 'task.failed' ? { error: event.error, retryable: event.retryable } : { error: context.error },
    ),
    recordCancel: assign({
      error: ({ context, event }) =>
        event.type === 'task.cancel'
          ? { name: 'TaskCancelledError', code: 'TASK_CANCELLED', message: event.reason }
          : context.error,
    }),
  },
  guards: {
    isCurrentAttempt: ({ context, event }) => 'attempt' in event && event.attempt === context.attempt,
    canRetry: ({ context }) => context.retryable && context.attempt <= context.retries,
    hasRollback: ({ context }) => context.rollbackTimeout !== null,
  },
  delays: {
    attemptTimeout: ({ context }) => context.timeout,
    retryDelay: ({ context }) => exponentialBackoff(context.attempt, context.backoff.base, context.backoff.max),
    rollbackTimeout: ({ context }) => context.rollbackTimeout ?? 0,
  },
}).createMachine({
  id: 'task',
  initial: 'pending',
  context: ({ input }) => ({
    runId: input.runId,
    name: input.name,
    retries: input.retries,
    timeout: input.timeout,
    rollbackTimeout: input.rollbackTimeout,
    backoff: input.backoff,
    attempt: input.attempt ?? 0,
    node: null,
    output: null,
    error: null,
    retryable: true,
    rollbackOutput: null,
    rollbackError: null,
    skippedBecause: null,
    reusedFrom: null,
  }),
  states: {
    pending: {
      on: {
        'task.depsMet': 'ready',
        'task.skip': {
          target: 'skipped',
          actions: assign({ skippedBecause: ({ event }) => event.because }),
        },
        'task.cancel': cancelTransition,
        'task.reuse': {
          target: 'succeeded',
          actions: assign({ output: ({ event }) => event.output, reusedFrom: ({ event }) => event.fromRun }),
        },
        // The attempt in flight when the dispatcher stopped is counted; the next one follows it.
        'task.recover': { target: 'ready', actions: assign({ attempt: ({ event }) => event.attempts }) },
        'task.recoverRollback': {
          target: 'rolling_back',
          actions: assign({ attempt: ({ event }) => event.attempts, error: ({ event }) => event.error }),
        },
        'task.compensate': {
          guard: 'hasRollback',
          target: 'rolling_back',
          actions: assign({ output: ({ event }) => event.output, attempt: ({ event }) => event.attempts, node: ({ event }) => event.node }),
        },
      },
    },
    ready: {
      entry: 'announceReady',
      exit: 'leaveReady',
      on: {
        'task.assign': {
          target: 'assigned',
          actions: assign({
            node: ({ event }) => event.node,
            attempt: ({ context }) => context.attempt + 1,
            error: null,
          }),
        },
        // No node can ever take it (no capability anywhere): fail without an attempt.
        // A separate message, so a late `task.failed` of an earlier attempt is never taken
        // for it while the task waits here for its retry.
        'task.unservable': {
          target: 'failed',
          actions: assign({ error: ({ event }) => event.error, retryable: false }),
        },
        'task.cancel': cancelTransition,
      },
    },
    assigned: {
      entry: 'startAttempt',
      // A backstop, so no state waits forever on a node: every node says `started` long
      // before this (a remote worker within its ack deadline, or the attempt is taken back).
      after: {
        attemptTimeout: attemptTimedOut(
          'TASK_NOT_STARTED',
          (c) => `Symbol "${c.name}" was sent to node ${c.node} but did not start within ${c.timeout} ms (attempt ${c.attempt}); check that node's log.`,
        ),
      },
      on: {
        'task.started': { guard: 'isCurrentAttempt', target: 'running' },
        // Held ahead on a node whose work then turned slow, and given back so another node can
        // run it: the attempt was never made, so it does not count.
        'task.returned': {
          guard: 'isCurrentAttempt',
          target: 'ready',
          actions: assign({ attempt: ({ context }) => context.attempt - 1, node: null }),
        },
        'task.failed': { guard: 'isCurrentAttempt', target: 'failed', actions: 'recordFailure' },
        'task.cancel': cancelAttemptTransition,
      },
    },
    running: {
      after: {
        attemptTimeout: attemptTimedOut(
          'TASK_TIMEOUT',
          (c) => `Symbol "${c.name}" timed out after ${c.timeout} ms (attempt ${c.attempt}); raise its \`timeout\` or make the operation faster.`,
        ),
      },
      on: {
        'task.succeeded': {
          guard: 'isCurrentAttempt',
          target: 'succeeded',
          actions: assign({ output: ({ event }) => event.output }),
        },
        'task.failed': { guard: 'isCurrentAttempt', target: 'failed', actions: 'recordFailure' },
        'task.cancel': cancelAttemptTransition,
      },
    },
    failed: {
      // Failed is where every failed attempt lands; it is final only when nothing follows.
      entry: enqueueActions(({ check, enqueue }) => {
        if (!check('canRetry') && !check('hasRollback')) {
          enqueue({ type: 'announceSettled', params: { status: 'failed' } });
        }
      }),
      always: [
        { guard: 'canRetry', target: 'retrying' },
        { guard: 'hasRollback', target: 'rolling_back' },
      ],
    },
    retrying: {
      after: { retryDelay: 'ready' },
      on: { 'task.cancel': cancelTransition },
    },
    rolling_back: {
      entry: 'startRollback',
      after: {
        rollbackTimeout: {
          target: 'rollback_failed',
          actions: [
            'abortRollback',
            assign({
              rollbackError: ({ context }) => ({
                name: 'TaskTimeoutError',
                code: 'TASK_TIMEOUT',
                message: `The rollback of "${context.name}" timed out after ${context.rollbackTimeout} ms.`,
              }),
            }),
          ],
        },
      },
      on: {
        'task.rollbackSucceeded': {
          target: 'rolled_back',
          actions: assign({ rollbackOutput: ({ event }) => event.output }),
        },
        'task.rollbackFailed': {
          target: 'rollback_failed',
          actions: assign({ rollbackError: ({ event }) => event.error }),
        },
        // A compensation is let finish by a run's first cancel (the host does not send it
        // here then); only the end of the grace period stops it.
        'task.cancel': { target: 'cancelled', actions: ['abortRollback', 'recordCancel'] },
      },
    },
    succeeded: {
      entry: { type: 'announceSettled', params: { status: 'succeeded' } },
      on: { 'task.compensate': { guard: 'hasRollback', target: 'rolling_back' } },
    },
    rolled_back: { entry: { type: 'announceSettled', params: { status: 'rolled_back' } } },
    rollback_failed: { entry: { type: 'announceSettled', params: { status: 'rollback_failed' } } },
    skipped: { entry: { type: 'announceSettled', params: { status: 'skipped' } } },
    cancelled: { entry: { type: 'announceSettled', params: { status: 'cancelled' } } },
  },
});

export type TaskMachine = typeof taskMachine;
