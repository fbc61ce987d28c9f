import { assign, setup } from 'xstate';
import type { DispatcherMessage } from '../src/messages.ts';

/**
 * The dispatcher: one per process that accepts runs (`swarm run`, `createDispatcher`,
 * `start-dispatcher`). It knows whether it has work and whether it is shutting down.
 *
 *   starting → idle ⇄ busy → stopping → stopped
 */
export interface DispatcherContext {
  activeRuns: number;
}

export const dispatcherMachine = setup({
  types: {} as { context: DispatcherContext; events: DispatcherMessage },
  actions: {
    countAccepted: assign({ activeRuns: ({ context }) => context.activeRuns + 1 }),
    countFinished: assign({ activeRuns: ({ context }) => Math.max(0, context.activeRuns - 1) }),
    /** Stop accepting runs, cancel the active ones and drain the nodes. */
    beginShutdown: () => {},
    announceStopped: () => {},
  },
}).createMachine({
  id: 'dispatcher',
  initial: 'starting',
  context: { activeRuns: 0 },
  states: {
    starting: { on: { 'dispatcher.ready': 'idle', 'dispatcher.stop': 'stopping' } },
    idle: {
      on: {
        'dispatcher.runAccepted': { target: 'busy', actions: 'countAccepted' },
        'dispatcher.stop': 'stopping',
      },
    },
    busy: {
      always: { guard: ({ context }) => context.activeRuns === 0, target: 'idle' },
      on: {
        'dispatcher.runAccepted': { actions: 'countAccepted' },
        'dispatcher.runFinished': { actions: 'countFinished' },
        // Taken over by another process: no longer active here, though it has not finished.
        'dispatcher.runReleased': { actions: 'countFinished' },
        'dispatcher.stop': 'stopping',
      },
    },
    stopping: {
      entry: 'beginShutdown',
      on: {
        'dispatcher.runFinished': { actions: 'countFinished' },
        'dispatcher.runReleased': { actions: 'countFinished' },
        'dispatcher.drained': 'stopped',
      },
    },
    stopped: { type: 'final', entry: 'announceStopped' },
  },
});

export type DispatcherMachine = typeof dispatcherMachine;
