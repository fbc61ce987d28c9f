import { createActor } from 'xstate';
import { nodeMachine } from '../machines/node-machine.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import { nodeProjector } from './journal/projections.ts';

/**
 * Starts the node actor a NodeRuntime reports to: journaled (and projected into the `nodes`
 * table) when a journal is given, a bare actor otherwise — a remote worker's own nodes, whose
 * journal is the dispatcher's.
 */
export function startNodeActor(options: {
  journal?: JournalRecorder;
  nodeId: string;
  kind: 'local' | 'remote';
  /** What the node offers, read at each projection (a remote worker may withdraw a backend). */
  capabilities: Iterable<string>;
  capacity: number;
  startedAt: number;
}) {
  const input = { nodeId: options.nodeId, capacity: options.capacity };
  const actor = options.journal
    ? options.journal.createActor(
        nodeMachine,
        {
          actorId: `node:${options.nodeId}`,
          kind: 'node',
          runId: null,
          project: nodeProjector(options.kind, options.capabilities, options.startedAt),
        },
        input,
      )
    : createActor(nodeMachine, { input });
  actor.start();
  return actor;
}
