import { MachineNotCompilableError } from './compile-error.ts';
import type { CompiledAction, CompiledMachine, CompiledTransition } from './compiled-machine.ts';

/**
 * Stepping a compiled machine (compiled-machine.ts): pure, and the same rules XState applies to
 * a flat machine, which the equivalence tests hold it to (test/statechart/):
 *
 * - an event selects the first transition of the current state for its type whose guard holds
 *   against the context as it is; none: nothing happens (no microstep);
 * - a microstep runs the source's exit actions, the transition's actions, the target's entry
 *   actions, in that order, each `assign` seeing the context the previous ones left;
 * - then eventless (`always`) transitions are taken, each a microstep attributed to the same
 *   event, until none is enabled;
 * - host actions are not run: they come back as effects, in order, each with the context and
 *   event it would have seen, for the host to perform once the new state is stored. So do the
 *   delayed events of `after` (schedule, cancel), which XState also defers to the end of the step.
 */

export interface Snapshot {
  value: string;
  context: Record<string, unknown>;
}

export type Effect =
  | { type: 'action'; name: string; params: unknown; context: Record<string, unknown>; event: { type: string } }
  | { type: 'schedule'; id: string; event: string; delay: number }
  | { type: 'cancel'; id: string };

export interface Step {
  /** One snapshot per microstep that changed the state, in order (empty: the event was ignored). */
  microsteps: Snapshot[];
  effects: Effect[];
}

/** Eventless transitions followed at most this many times in one step (a loop is a machine bug). */
const MAX_MICROSTEPS = 100;

const INIT = { type: 'xstate.init' };

export function initialStep(machine: CompiledMachine, input: unknown): Step {
  const effects: Effect[] = [];
  const deferred: Effect[] = [];
  const state = machine.states.get(machine.initial)!;
  const context = run(state.entry, machine.context(input), INIT, effects, deferred);
  const first = { value: machine.initial, context };
  const microsteps = [first];
  settle(machine, first, INIT, microsteps, effects, deferred);
  effects.push(...deferred);
  return { microsteps, effects };
}

export function step(machine: CompiledMachine, snapshot: Snapshot, event: { type: string }): Step {
  const candidates = machine.states.get(snapshot.value)!.on.get(event.type);
  const transition = candidates && select(candidates, snapshot.context, event);
  if (!transition) return { microsteps: [], effects: [] };
  const effects: Effect[] = [];
  const deferred: Effect[] = [];
  const next = take(machine, snapshot, transition, event, effects, deferred);
  const microsteps = [next];
  settle(machine, next, event, microsteps, effects, deferred);
  effects.push(...deferred);
  return { microsteps, effects };
}

function select(candidates: CompiledTransition[], context: Record<string, unknown>, event: { type: string }): CompiledTransition | undefined {
  for (const t of candidates) if (t.guard === null || t.guard({ context, event }, undefined)) return t;
  return undefined;
}

function take(machine: CompiledMachine, from: Snapshot, t: CompiledTransition, event: { type: string }, effects: Effect[], deferred: Effect[]): Snapshot {
  let context = run(machine.states.get(from.value)!.exit, from.context, event, effects, deferred);
  context = run(t.actions, context, event, effects, deferred);
  context = run(machine.states.get(t.target)!.entry, context, event, effects, deferred);
  return { value: t.target, context };
}

function settle(machine: CompiledMachine, current: Snapshot, event: { type: string }, microsteps: Snapshot[], effects: Effect[], deferred: Effect[]): void {
  for (let n = 0; ; n++) {
    const always = machine.states.get(current.value)!.always;
    if (always.length === 0) return;
    const t = select(always, current.context, event);
    if (!t) return;
    if (n === MAX_MICROSTEPS) throw new Error(`${machine.id}: eventless transitions did not settle after ${MAX_MICROSTEPS} microsteps`);
    current = take(machine, current, t, event, effects, deferred);
    microsteps.push(current);
  }
}

/** Runs actions in order; returns the context they leave. Host actions and timers become effects. */
function run(actions: CompiledAction[], context: Record<string, unknown>, event: { type: string }, effects: Effect[], deferred: Effect[]): Record<string, unknown> {
  for (const a of actions) {
    switch (a.kind) {
      case 'assign':
        context = { ...context, ...a.assign({ context, event }, a.params) };
        break;
      case 'host':
        effects.push({ type: 'action', name: a.name, params: a.paramsFn ? a.paramsFn({ context, event }) : a.params, context, event });
        break;
      case 'schedule':
        deferred.push({ type: 'schedule', id: a.id, event: a.event, delay: a.delay({ context, event }) });
        break;
      case 'cancel':
        deferred.push({ type: 'cancel', id: a.id });
        break;
      case 'enqueue':
        context = runEnqueued(a, context, event, effects, deferred);
        break;
    }
  }
  return context;
}

/**
 * `enqueueActions`: its collect function runs now, with `check` evaluating guards against the
 * context as it is; what it enqueues is resolved as the machine's own actions are and runs in
 * order after it. Only `enqueue(action)` and `check(guard)` are offered: the other helpers
 * (`enqueue.assign`, `.raise`, `.sendTo`, …) throw MachineNotCompilableError.
 */
function runEnqueued(a: Extract<CompiledAction, { kind: 'enqueue' }>, context: Record<string, unknown>, event: { type: string }, effects: Effect[], deferred: Effect[]): Record<string, unknown> {
  const queued: unknown[] = [];
  const enqueue = Object.assign((action: unknown) => void queued.push(action), UNSUPPORTED_HELPERS(a.machineId));
  const check = (guard: unknown) => {
    const g = a.guardOf(guard);
    return g === null || g({ context, event }, undefined);
  };
  a.collect({ context, event, enqueue, check, self: undefined, system: undefined }, undefined);
  return run(queued.flatMap((action) => a.resolve(action)), context, event, effects, deferred);
}

function UNSUPPORTED_HELPERS(machineId: string): Record<string, () => never> {
  const refuse = (name: string) => () => {
    throw new MachineNotCompilableError(machineId, `enqueueActions uses enqueue.${name}`);
  };
  return Object.fromEntries(['assign', 'cancel', 'raise', 'sendTo', 'sendParent', 'spawnChild', 'stopChild', 'emit'].map((n) => [n, refuse(n)]));
}
