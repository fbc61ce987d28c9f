import { createEmptyActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject, type StateValue } from 'xstate';
import { stateName } from '../row-fields.ts';

/** A named action the machine asked its host to run (it is recorded here, never run). */
export interface RequestedAction {
  type: string;
  params: unknown;
}

/** One microstep: the snapshot after it and the event XState attributes it to (as the recorder sees it). */
export interface Microstep {
  snapshot: AnyMachineSnapshot;
  /** The snapshot's state value as the journal writes it (`stateName`). */
  value: string;
  event: string;
}

export interface Macrostep {
  microsteps: Microstep[];
  /** Every named action the macrostep asked for, in order (announceSettled, startAttempt, …). */
  actions: RequestedAction[];
}

/**
 * A statechart run as a pure function, with the machine exactly as the runtime defines it:
 * XState's own `getInitialSnapshot` and `microstep` compute every snapshot, guard and
 * assignment, and nothing is executed. The actor scope's `actionExecutor` only records what the
 * machine asks for — host actions (announceReady, startAttempt, …) never run, and neither does
 * the scheduling of delayed events, so no timer can fire: a delayed transition happens only when
 * its `xstate.after.<delay>.<state id>` event is sent, as the journal recorded it.
 *
 * Cheaper than an actor per journal actor: one scope serves every snapshot of the machine.
 */
export class PureMachine<TMachine extends AnyStateMachine = AnyStateMachine> {
  private readonly scope: AnyActorScope;
  private requested: RequestedAction[] = [];
  private microsteps: Microstep[] = [];

  constructor(readonly machine: TMachine) {
    // An actor that is never started, only there to be the scope's `self` and `system`.
    const self = createEmptyActor();
    // The microsteps, with the event XState attributes each to, exactly as the journal
    // recorder receives them (it is an inspection observer too).
    self.system.inspect((event) => {
      if (event.type !== '@xstate.microstep') return;
      const snapshot = event.snapshot as AnyMachineSnapshot;
      this.microsteps.push({ snapshot, value: stateName(snapshot.value), event: event.event.type });
    });
    this.scope = {
      self,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: () => {},
      emit: () => {},
      system: self.system,
      stopChild: () => {},
      actionExecutor: (action) => {
        this.requested.push({ type: action.type, params: action.params });
      },
    };
  }

  /** The snapshot an actor of this machine starts in, given its input (the journal's `xstate.init` row). */
  initial(input: unknown): Macrostep {
    this.requested = [];
    this.microsteps = [];
    const snapshot = this.machine.getInitialSnapshot(this.scope, input) as AnyMachineSnapshot;
    if (snapshot.status === 'error') throw snapshot.error;
    // The recorder writes the state the actor starts in (its first snapshot) under xstate.init.
    this.microsteps = [];
    return { microsteps: [{ snapshot, value: stateName(snapshot.value), event: 'xstate.init' }], actions: this.take() };
  }

  /**
   * What the machine does with `event` in `snapshot`: every microstep of the macrostep (the
   * transition the event selects, then the eventless ones it enables), as an actor would take it.
   */
  step(snapshot: AnyMachineSnapshot, event: EventObject): Macrostep {
    this.requested = [];
    this.microsteps = [];
    this.machine.transition(snapshot, event, this.scope);
    const microsteps = this.microsteps;
    this.microsteps = [];
    return { microsteps, actions: this.take() };
  }

  /** A snapshot in state `value` with `context`, for an actor whose history starts elsewhere. */
  resolve(value: string, context: Record<string, unknown>): AnyMachineSnapshot {
    return this.machine.resolveState({ value: value.includes('.') ? dotted(value) : value, context }) as AnyMachineSnapshot;
  }

  private take(): RequestedAction[] {
    const taken = this.requested;
    this.requested = [];
    return taken;
  }
}

/** `a.b.c` → `{a: {b: 'c'}}` (the inverse of stateName for nested states). */
function dotted(value: string): StateValue {
  const [head, ...rest] = value.split('.');
  return rest.length === 0 ? head : { [head]: dotted(rest.join('.')) };
}
