import type { AnyStateMachine } from 'xstate';
import { MachineNotCompilableError } from './compile-error.ts';

/**
 * A flat XState machine read into plain tables once, at start-up, so that stepping one of its
 * instances costs a few map lookups instead of an actor with a system, a mailbox, a scheduler
 * and an inspection observer (see macrostep.ts for the stepping, and docs/performance.md).
 *
 * Everything here comes from the machine object itself — its state nodes as XState built them
 * (`machine.root.states`, each with `entry`, `exit`, `transitions`, `always`) and the
 * implementations given to `setup()` or `.provide()` — never from a second description of the
 * lifecycle. What this reader does not understand it refuses (MachineNotCompilableError) rather
 * than approximate: nested, parallel, history or final states, invoked or spawned actors, root
 * transitions, re-entering or self transitions, and any built-in action other than `assign`,
 * `enqueueActions` (with `enqueue(...)` and `check(...)` only), and the delayed `raise`/`cancel`
 * pairs XState itself generates for `after`.
 */

export type Guard = (args: { context: any; event: any }, params: unknown) => boolean;
export type Assigner = (args: { context: any; event: any }, params: unknown) => Record<string, unknown>;
export type DelayFn = (args: { context: any; event: any }) => number;

/** One action of a state's entry or exit, or of a transition, resolved against the implementations. */
export type CompiledAction =
  /** A host action: performed by the host after the step, as an effect. */
  | { kind: 'host'; name: string; params: unknown; paramsFn: ((args: { context: any; event: any }) => unknown) | null }
  | { kind: 'assign'; assign: Assigner; params: unknown }
  /**
   * `enqueueActions`: its collect function, run with `enqueue` and `check` at step time; what it
   * enqueues is resolved then, against the same implementations.
   */
  | { kind: 'enqueue'; machineId: string; collect: Function; resolve: (action: unknown) => CompiledAction[]; guardOf: (guard: unknown) => Guard | null }
  /** The delayed event XState schedules on entering a state with `after`. */
  | { kind: 'schedule'; id: string; event: string; delay: DelayFn }
  | { kind: 'cancel'; id: string };

export interface CompiledTransition {
  /** The target state's key (flat machines: a sibling). */
  target: string;
  guard: Guard | null;
  actions: CompiledAction[];
}

export interface CompiledState {
  key: string;
  entry: CompiledAction[];
  exit: CompiledAction[];
  /** Event type → candidate transitions in document order (the first whose guard passes wins). */
  on: Map<string, CompiledTransition[]>;
  always: CompiledTransition[];
}

export interface CompiledMachine {
  id: string;
  initial: string;
  states: Map<string, CompiledState>;
  /** The machine's context factory, given the actor's input. */
  context: (input: unknown) => Record<string, unknown>;
  /** Host action name → its implementation, for the host to perform an `action` effect with. */
  hostActions: Map<string, HostAction>;
  /** The machine it was read from (the reference implementation). */
  machine: AnyStateMachine;
}

/** A host action as XState calls it: with the context and event it sees, and its params. */
export type HostAction = (args: { context: any; event: any; self: undefined; system: undefined }, params: unknown) => void;

export function compileMachine(machine: AnyStateMachine): CompiledMachine {
  const refuse = (what: string) => {
    throw new MachineNotCompilableError(machine.id, what);
  };
  const root = machine.root as any;
  if (root.type !== 'compound') refuse(`its root is ${root.type}, not compound`);
  if (root.entry.length || root.exit.length || root.transitions.size || root.always?.length || root.invoke.length) {
    refuse('its root has entry, exit, transitions or invoked actors');
  }
  const hostActions = new Map<string, HostAction>();
  const impl = machine.implementations as { actions: Record<string, unknown>; guards: Record<string, unknown>; delays: Record<string, unknown> };
  const contextConfig = (machine.config as { context?: unknown }).context;
  const context =
    typeof contextConfig === 'function'
      ? (input: unknown) => (contextConfig as Function)({ input, self: undefined, spawn: () => refuse('its context spawns actors') })
      : () => ({ ...((contextConfig as Record<string, unknown>) ?? {}) });

  const resolveAction = (action: any, where: string): CompiledAction[] => {
    if (typeof action === 'string') action = { type: action };
    if (typeof action === 'function') {
      switch (action.type) {
        case 'xstate.assign':
          return [{ kind: 'assign', assign: assignerOf(action.assignment), params: undefined }];
        case 'xstate.enqueueActions':
          return [{ kind: 'enqueue', machineId: machine.id, collect: action.collect, resolve: (a) => resolveAction(a, `${where} enqueueActions`), guardOf: (g) => guardOf(g, `${where} check`) }];
        case 'xstate.raise':
          if (action.delay === undefined || typeof action.id !== 'string' || !action.id.startsWith('xstate.after.')) refuse(`${where}: a raise other than an \`after\` delay`);
          return [{ kind: 'schedule', id: action.id, event: action.event.type, delay: delayOf(action.delay, where) }];
        case 'xstate.cancel':
          if (typeof action.sendId !== 'string' || !action.sendId.startsWith('xstate.after.')) refuse(`${where}: a cancel other than an \`after\` delay's`);
          return [{ kind: 'cancel', id: action.sendId }];
        default:
          return refuse(`${where}: the action ${action.type ?? '(inline function)'}`);
      }
    }
    if (!action || typeof action.type !== 'string') return refuse(`${where}: an action that is neither named nor built in`);
    const implementation = impl.actions[action.type] as any;
    if (implementation === undefined) return refuse(`${where}: the action "${action.type}" has no implementation`);
    const params = action.params;
    if (typeof implementation === 'function' && implementation.type === 'xstate.assign') {
      if (typeof params === 'function') refuse(`${where}: dynamic params on "${action.type}"`);
      return [{ kind: 'assign', assign: assignerOf(implementation.assignment), params }];
    }
    if (typeof implementation !== 'function' || implementation.type !== undefined) return refuse(`${where}: the action "${action.type}" is ${implementation.type ?? 'not a function'}`);
    hostActions.set(action.type, implementation);
    return [{ kind: 'host', name: action.type, params: typeof params === 'function' ? undefined : params, paramsFn: typeof params === 'function' ? params : null }];
  };

  const delayOf = (delay: unknown, where: string): DelayFn => {
    if (typeof delay === 'number') return () => delay;
    if (typeof delay !== 'string') return refuse(`${where}: a delay that is neither a number nor a name`);
    const d = impl.delays[delay];
    if (typeof d === 'number') return () => d;
    if (typeof d === 'function') return d as DelayFn;
    return refuse(`${where}: the delay "${delay}" has no implementation`);
  };

  const guardOf = (guard: any, where: string): Guard | null => {
    if (guard === undefined) return null;
    if (typeof guard === 'string') guard = { type: guard };
    if (typeof guard === 'function') {
      if (guard.check !== undefined || guard.type !== undefined) refuse(`${where}: a higher-order guard`);
      return guard as Guard;
    }
    const implementation = impl.guards[guard.type] as any;
    if (typeof implementation !== 'function' || implementation.check !== undefined) refuse(`${where}: the guard "${guard.type}"`);
    if (typeof guard.params === 'function') refuse(`${where}: dynamic guard params`);
    const params = guard.params;
    return params === undefined ? implementation : (args) => implementation(args, params);
  };

  const transitionOf = (t: any, where: string): CompiledTransition => {
    if (t.reenter) refuse(`${where}: a re-entering transition`);
    if (!t.target || t.target.length !== 1) refuse(`${where}: a transition without exactly one target`);
    const target = t.target[0];
    if (target.parent !== root) refuse(`${where}: a target outside the machine's top level`);
    if (target === t.source) refuse(`${where}: a transition to its own state`);
    return { target: target.key, guard: guardOf(t.guard, where), actions: t.actions.flatMap((a: unknown) => resolveAction(a, where)) };
  };

  const states = new Map<string, CompiledState>();
  for (const [key, node] of Object.entries<any>(root.states)) {
    const where = `state "${key}"`;
    if (node.type !== 'atomic') refuse(`${where} is ${node.type}`);
    if (node.invoke.length) refuse(`${where} invokes actors`);
    if (node.tags?.length) refuse(`${where} has tags`);
    const on = new Map<string, CompiledTransition[]>();
    for (const [event, list] of node.transitions as Map<string, unknown[]>) {
      if (event === '*' || event.endsWith('.*')) refuse(`${where}: the wildcard event "${event}"`);
      on.set(event, list.map((t) => transitionOf(t, `${where} on ${event}`)));
    }
    states.set(key, {
      key,
      entry: node.entry.flatMap((a: unknown) => resolveAction(a, `${where} entry`)),
      exit: node.exit.flatMap((a: unknown) => resolveAction(a, `${where} exit`)),
      on,
      always: (node.always ?? []).map((t: unknown) => transitionOf(t, `${where} always`)),
    });
  }
  const initial = root.initial?.target?.[0]?.key;
  if (typeof initial !== 'string' || !states.has(initial)) refuse('no initial state at its top level');
  return { id: machine.id, initial, states, context, hostActions, machine };
}

/** An `assign` argument as one function: a whole-context updater, or per-key values and updaters. */
function assignerOf(assignment: unknown): Assigner {
  if (typeof assignment === 'function') return assignment as Assigner;
  const entries = Object.entries(assignment as Record<string, unknown>);
  return (args, params) => {
    const partial: Record<string, unknown> = {};
    for (const [key, value] of entries) partial[key] = typeof value === 'function' ? value(args, params) : value;
    return partial;
  };
}
