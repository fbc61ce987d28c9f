import type { EventObject } from 'xstate';
import { dispatcherMachine } from '../../../machines/dispatcher-machine.ts';
import { nodeMachine } from '../../../machines/node-machine.ts';
import type { ActorKind, TransitionRecord } from '../../../src/store/types.ts';
import { payloadTextOf, plainTransition } from '../../../src/store/stored-rows.ts';
import { ActorReplay, eventOfRow, type Mismatch } from './actor-replay.ts';
import { PureMachine } from './pure-machine.ts';

/**
 * Dispatcher and node actors outlive runs, so a run's journal holds only the rows its own work
 * caused (an `attemptsStarted` naming the run, its `runAccepted`, …), starting anywhere in
 * their history; and their counters (`activeRuns`, `running`) move by events that change only
 * context, which the journal never records. Their context is therefore not reconstructable
 * from the journal, and these actors are checked row by row instead of from the start: each
 * row's event is fed to the machine in the row's `from` state, with the counter set to the one
 * value the row implies (see HIDDEN_CONTEXT), and must lead to its `to` (through the same
 * microsteps). That catches a machine that no longer takes such an event, or takes it
 * elsewhere; it cannot check the counts themselves, nor the order of rows across runs.
 */
export type ProcessKind = Extract<ActorKind, 'dispatcher' | 'node'>;

const MACHINES = { dispatcher: dispatcherMachine, node: nodeMachine } as const;

/**
 * The counter a row implies. A node is idle exactly when nothing runs on it; a row out of
 * busy or draining on `attemptsEnded` (or `attemptsCounted`) means that batch emptied it
 * (running = what it ended, less what it started); in any other row out of busy or draining
 * something still ran (1). A dispatcher row out of busy or stopping means this was the last
 * active run (1); out of starting or idle, none ran.
 */
const HIDDEN_CONTEXT: Record<ProcessKind, (actorId: string, from: string, event: EventObject) => Record<string, unknown>> = {
  node: (actorId, from, event) => ({
    nodeId: actorId.startsWith('node:') ? actorId.slice('node:'.length) : actorId,
    capacity: 1,
    running: from === 'idle' ? 0 : emptiedBy(event),
    lostReason: null,
    lastHeartbeatAt: null,
  }),
  dispatcher: (_actorId, from) => ({ activeRuns: from === 'busy' || from === 'stopping' ? 1 : 0 }),
};

function emptiedBy(event: EventObject): number {
  const { count, started, ended } = event as { count?: unknown; started?: unknown; ended?: unknown };
  if (event.type === 'node.attemptsEnded') return Number(count ?? 1);
  if (event.type === 'node.attemptsCounted') return Math.max(1, Number(ended ?? 1) - Number(started ?? 0));
  return 1;
}

export interface ProcessActorState {
  actorId: string;
  kind: ProcessKind;
  state: string;
  lastSeq: number;
}

export interface ProcessCheck {
  states: ProcessActorState[];
  mismatch: (Mismatch & { row: TransitionRecord }) | null;
}

/** Checks the dispatcher and node rows of a run's journal (in seq order). */
export function checkProcessActors(rows: readonly TransitionRecord[], complete: boolean): ProcessCheck {
  const pure = { dispatcher: new PureMachine(MACHINES.dispatcher), node: new PureMachine(MACHINES.node) };
  const replays = new Map<string, ActorReplay>();
  const states = new Map<string, ProcessActorState>();
  // A seeded one-row check depends only on (kind, from, to, event, payload): pure, so it is memoized.
  const passed = new Set<string>();
  for (const row of rows) {
    const kind = row.actorKind as ProcessKind;
    let replay = replays.get(row.actorId);
    if (!replay) replays.set(row.actorId, (replay = new ActorReplay(pure[kind])));
    const state = states.get(row.actorId) ?? { actorId: row.actorId, kind, state: row.to, lastSeq: row.seq };
    states.set(row.actorId, state);
    if (!replay.midStep) {
      const key = `${kind}\u0001${row.from}\u0001${row.to}\u0001${row.event}\u0001${payloadTextOf(row)}`;
      if (passed.has(key)) {
        state.state = row.to;
        state.lastSeq = row.seq;
        continue;
      }
      if (row.from === null) {
        // A dispatcher or node that starts inside this run's journal (not a row a run causes today).
        const mismatch = replay.start(row, kind === 'node' ? HIDDEN_CONTEXT.node(row.actorId, 'idle', { type: row.event }) : undefined);
        if (mismatch) return { states: [...states.values()], mismatch: { ...mismatch, row } };
        state.state = row.to;
        state.lastSeq = row.seq;
        continue;
      }
      const event = eventOfRow(row);
      const snapshot = pure[kind].resolve(row.from, HIDDEN_CONTEXT[kind](row.actorId, row.from, event));
      replay.seed(snapshot, row.from);
      const { mismatch } = replay.apply(row);
      if (mismatch) return { states: [...states.values()], mismatch: { ...mismatch, row } };
      if (!replay.midStep) passed.add(key);
    } else {
      const { mismatch } = replay.apply(row);
      if (mismatch) return { states: [...states.values()], mismatch: { ...mismatch, row } };
    }
    state.state = row.to;
    state.lastSeq = row.seq;
  }
  if (complete) {
    for (const [actorId, replay] of replays) {
      if (!replay.midStep) continue;
      const state = states.get(actorId)!;
      const row = rows.findLast((r) => r.actorId === actorId)!;
      return { states: [...states.values()], mismatch: { expected: '(no further row)', got: replay.unmatched[0], row: { ...plainTransition(row), seq: state.lastSeq } } };
    }
  }
  return { states: [...states.values()], mismatch: null };
}
