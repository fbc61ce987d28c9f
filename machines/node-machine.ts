import { assign, setup } from 'xstate';
import type { NodeMessage } from '../src/messages.ts';

/**
 * A node is a place where tasks run: the local thread pool or one remote worker. It tracks
 * how many attempts it is running against its capacity; the host asks it for free slots.
 *
 *   idle ⇄ busy → draining → stopped        idle | busy | draining → lost
 */
export interface NodeInput {
  nodeId: string;
  capacity: number;
}

export interface NodeContext {
  nodeId: string;
  capacity: number;
  running: number;
  lostReason: string | null;
  /** When the node was last heard of (a remote worker's heartbeat), if ever. */
  lastHeartbeatAt: number | null;
}

export const nodeMachine = setup({
  types: {} as { context: NodeContext; events: NodeMessage; input: NodeInput },
  actions: {
    countStarted: assign({
      running: ({ context, event }) => context.running + (event.type === 'node.attemptsStarted' ? event.count : 0),
    }),
    countEnded: assign({
      running: ({ context, event }) =>
        Math.max(0, context.running - (event.type === 'node.attemptsEnded' ? event.count : 0)),
    }),
    countBatch: assign({
      running: ({ context, event }) =>
        event.type === 'node.attemptsCounted' ? Math.max(0, context.running + event.started - event.ended) : context.running,
    }),
    recordHeartbeat: assign({
      lastHeartbeatAt: ({ context, event }) => (event.type === 'node.heartbeat' ? event.at : context.lastHeartbeatAt),
    }),
    recordLoss: assign({
      lostReason: ({ context, event }) => (event.type === 'node.lost' ? event.reason : context.lostReason),
      // What ran there is failed on the dispatcher's side (NODE_LOST) as it is lost: nothing
      // runs on it any more, for the swarm.
      running: 0,
    }),
    /** The node stopped for good (drained or lost); the host releases its resources. */
    announceGone: () => {},
  },
  guards: {
    hasWork: ({ context }) => context.running > 0,
    /** An idle node's batch leaves something running (it started more than it ended). */
    leavesWork: ({ event }) => event.type === 'node.attemptsCounted' && event.started > event.ended,
  },
}).createMachine({
  id: 'node',
  initial: 'idle',
  context: ({ input }) => ({ nodeId: input.nodeId, capacity: input.capacity, running: 0, lostReason: null, lastHeartbeatAt: null }),
  // A heartbeat changes no state, so it adds no journal row; only the node's projection
  // (last seen) moves.
  on: { 'node.heartbeat': { actions: 'recordHeartbeat' } },
  states: {
    idle: {
      on: {
        'node.attemptsStarted': { target: 'busy', actions: 'countStarted' },
        // Nothing ran before, so a batch that ended all it started leaves nothing to count.
        'node.attemptsCounted': { guard: 'leavesWork', target: 'busy', actions: 'countBatch' },
        'node.drain': 'draining',
        'node.lost': { target: 'lost', actions: 'recordLoss' },
      },
    },
    busy: {
      always: { guard: ({ context }) => context.running === 0, target: 'idle' },
      on: {
        'node.attemptsStarted': { actions: 'countStarted' },
        'node.attemptsEnded': { actions: 'countEnded' },
        'node.attemptsCounted': { actions: 'countBatch' },
        'node.drain': 'draining',
        'node.lost': { target: 'lost', actions: 'recordLoss' },
      },
    },
    draining: {
      always: { guard: ({ context }) => context.running === 0, target: 'stopped' },
      on: {
        'node.attemptsEnded': { actions: 'countEnded' },
        'node.attemptsCounted': { actions: 'countBatch' },
        'node.lost': { target: 'lost', actions: 'recordLoss' },
      },
    },
    stopped: { type: 'final', entry: 'announceGone' },
    lost: { type: 'final', entry: 'announceGone' },
  },
});

export type NodeMachine = typeof nodeMachine;
