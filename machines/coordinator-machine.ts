import { assign, setup } from 'xstate';
import type { CompensationReason, CoordinatorMessage } from '../src/messages.ts';
import type { TaskStatus } from '../src/store/types.ts';

/**
 * One coordinator per run. It counts settled tasks and decides when and how the run ends;
 * the dependency graph and the ready queue live in the host (actors/run-coordinator.ts),
 * which is told through the named actions below.
 *
 *   idle → running ⇄ paused → succeeded | failed
 *   running | paused → cancelling → cancelled
 *   running | paused → compensating → failed | rollback_failed     (saga: the run failed)
 *   idle → compensating → rolled_back | rollback_failed              (a rollback by request)
 *   idle → compensating → failed | rollback_failed                   (a saga's, taken up)
 */
export interface CoordinatorInput {
  runId: string;
  total: number;
  /** `rollback_policy: saga`: a failed run compensates its succeeded symbols before it ends. */
  saga?: boolean;
}

export interface CoordinatorContext {
  runId: string;
  total: number;
  settled: number;
  succeeded: number;
  /** Settled in any way other than succeeded. */
  unsuccessful: number;
  byStatus: Partial<Record<TaskStatus, number>>;
  cancelReason: string | null;
  saga: boolean;
  /** Why the run compensates; null while it does not. */
  compensating: CompensationReason | null;
  /** Compensations that failed (their rollback failed or timed out). */
  compensationsFailed: number;
}

/** How a run that is running or paused ends once every task has settled. */
const settledTransitions = [
  { guard: 'allSucceeded' as const, target: 'succeeded' as const },
  { guard: 'sagaFailure' as const, target: 'compensating' as const, actions: 'compensateFailure' as const },
  { guard: 'allSettled' as const, target: 'failed' as const },
];
/** What running and paused runs both accept. */
const whileActive = {
  'run.tasksSettled': { actions: 'countSettled' as const },
  'run.cancel': { target: 'cancelling' as const, actions: 'recordCancelReason' as const },
};

export const coordinatorMachine = setup({
  types: {} as { context: CoordinatorContext; events: CoordinatorMessage; input: CoordinatorInput },
  actions: {
    /** Release the tasks that have no dependencies (and resume any work left in flight). */
    beginScheduling: () => {},
    pauseDispatching: () => {},
    resumeDispatching: () => {},
    /** Cancel every task that has not started; running ones finish within the grace period. */
    cancelOutstanding: () => {},
    /** Run the rollbacks of the succeeded symbols, newest first; report with run.compensated. */
    beginCompensation: () => {},
    /** The run ended with `params.status` (the final state's name). */
    announceFinished: (_, _params: { status: 'succeeded' | 'failed' | 'cancelled' | 'rolled_back' | 'rollback_failed' }) => {},
    compensateFailure: assign({ compensating: 'failure' as const }),
    recordCompensations: assign({
      compensationsFailed: ({ context, event }) => (event.type === 'run.compensated' ? event.failed : context.compensationsFailed),
    }),
    countSettled: assign(({ context, event }) => {
      if (event.type !== 'run.tasksSettled') return {};
      const byStatus = { ...context.byStatus };
      let ok = 0;
      for (const { status } of event.settled) {
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        if (status === 'succeeded') ok++;
      }
      return {
        settled: context.settled + event.settled.length,
        succeeded: context.succeeded + ok,
        unsuccessful: context.unsuccessful + event.settled.length - ok,
        byStatus,
      };
    }),
    /** Counts of tasks settled before this coordinator started (a resumed run, a rollback). */
    countResumed: assign(({ event }) => {
      const before = event.type === 'run.start' ? event.resumed : event.type === 'run.compensate' ? event.settled : undefined;
      if (!before) return {};
      const byStatus = { ...before };
      const settled = Object.values(byStatus).reduce((a, b) => a + (b ?? 0), 0);
      const succeeded = byStatus.succeeded ?? 0;
      return { settled, succeeded, unsuccessful: settled - succeeded, byStatus };
    }),
    recordCancelReason: assign({
      cancelReason: ({ context, event }) => (event.type === 'run.cancel' ? event.reason : context.cancelReason),
    }),
  },
  guards: {
    allSucceeded: ({ context }) => context.settled >= context.total && context.unsuccessful === 0,
    allSettled: ({ context }) => context.settled >= context.total,
    sagaFailure: ({ context }) => context.saga && context.settled >= context.total && context.unsuccessful > 0,
    someCompensationFailed: ({ event }) => event.type === 'run.compensated' && event.failed > 0,
    compensatedOwnFailure: ({ context }) => context.compensating === 'failure',
  },
}).createMachine({
  id: 'coordinator',
  initial: 'idle',
  context: ({ input }) => ({
    runId: input.runId,
    total: input.total,
    settled: 0,
    succeeded: 0,
    unsuccessful: 0,
    byStatus: {},
    cancelReason: null,
    saga: input.saga ?? false,
    compensating: null,
    compensationsFailed: 0,
  }),
  states: {
    idle: {
      on: {
        // The counts of a resumed run travel in the event, so the journal alone rebuilds them.
        'run.start': { target: 'running', actions: 'countResumed' },
        'run.cancel': { target: 'cancelling', actions: 'recordCancelReason' },
        // A rollback by request, or a compensation a run taken up was in the middle of.
        'run.compensate': {
          target: 'compensating',
          actions: ['countResumed', assign({ compensating: ({ event }) => (event.type === 'run.compensate' ? (event.why ?? 'request') : null) })],
        },
      },
    },
    running: {
      entry: 'beginScheduling',
      always: settledTransitions,
      on: { ...whileActive, 'run.pause': 'paused' },
    },
    paused: {
      entry: 'pauseDispatching',
      exit: 'resumeDispatching',
      always: settledTransitions,
      on: { ...whileActive, 'run.resume': 'running' },
    },
    cancelling: {
      entry: 'cancelOutstanding',
      always: { guard: 'allSettled', target: 'cancelled' },
      on: { 'run.tasksSettled': { actions: 'countSettled' } },
    },
    // Compensations run to their end (each has its rollback's timeout): a cancel cannot make
    // a half-undone run any safer, so it is not taken here.
    compensating: {
      entry: 'beginCompensation',
      on: {
        'run.compensated': [
          { guard: 'someCompensationFailed', target: 'rollback_failed', actions: 'recordCompensations' },
          { guard: 'compensatedOwnFailure', target: 'failed', actions: 'recordCompensations' },
          { target: 'rolled_back', actions: 'recordCompensations' },
        ],
      },
    },
    succeeded: { type: 'final', entry: { type: 'announceFinished', params: { status: 'succeeded' } } },
    rolled_back: { type: 'final', entry: { type: 'announceFinished', params: { status: 'rolled_back' } } },
    rollback_failed: { type: 'final', entry: { type: 'announceFinished', params: { status: 'rollback_failed' } } },
    failed: { type: 'final', entry: { type: 'announceFinished', params: { status: 'failed' } } },
    cancelled: { type: 'final', entry: { type: 'announceFinished', params: { status: 'cancelled' } } },
  },
});

export type CoordinatorMachine = typeof coordinatorMachine;
