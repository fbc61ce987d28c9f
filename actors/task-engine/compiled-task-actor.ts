import type { Clock } from '../../src/clock.ts';
import type { CompiledMachine } from '../../src/statechart/compiled-machine.ts';
import { initialStep, step, type Snapshot, type Step } from '../../src/statechart/macrostep.ts';
import type { ActorTag } from '../journal/actor-tag.ts';
import type { JournalRecorder } from '../journal/journal-recorder.ts';

/** What the runtime asks of a task actor, whichever engine runs it (task-engine.ts). */
export interface TaskActorLike<TContext = any> {
  start(): void;
  send(event: { type: string }): void;
  getSnapshot(): { value: unknown; context: TContext };
  stop(): void;
}

const INIT = { type: 'xstate.init' };

/**
 * One task instance on the compiled engine. Each event is one pure step of the compiled
 * machine (src/statechart/macrostep.ts); the host then does what the step asked, in this order:
 * the new state goes to the journal (a row per changed microstep, as XState's inspection would
 * write it), then the host actions run, then the delayed events are scheduled or cancelled on the
 * injected clock. So the journal holds a state before anything acts on it.
 *
 * Like an XState actor, an event sent while one is being handled — a host action that sends
 * back to its own task — waits in a mailbox and is handled right after; a stopped actor takes
 * nothing and has no timer left.
 */
export class CompiledTaskActor implements TaskActorLike {
  private snapshot: Snapshot | null = null;
  /** Pending delayed events by id; made at the first one (a run may create a million actors). */
  private timers: Map<string, unknown> | null = null;
  /** Events sent while one is handled, in order; made only when that happens. */
  private mailbox: { type: string }[] | null = null;
  private handling = false;
  private stopped = false;

  constructor(
    private readonly machine: CompiledMachine,
    private readonly input: unknown,
    private readonly journal: JournalRecorder,
    private readonly tag: ActorTag,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.handle(INIT);
  }

  send(event: { type: string }): void {
    if (this.stopped || this.snapshot === null) return;
    if (this.handling) {
      (this.mailbox ??= []).push(event);
      return;
    }
    this.handle(event);
  }

  getSnapshot(): Snapshot {
    return this.snapshot!;
  }

  stop(): void {
    this.stopped = true;
    if (this.timers === null) return;
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }

  /** Handles `first` (INIT: the initial step), then whatever was sent meanwhile, in order. */
  private handle(first: { type: string }): void {
    this.handling = true;
    try {
      let event: { type: string } | undefined = first;
      while (event) {
        this.apply(event === INIT ? initialStep(this.machine, this.input) : step(this.machine, this.snapshot!, event), event);
        event = this.stopped ? undefined : this.mailbox?.shift();
      }
    } finally {
      this.handling = false;
      this.mailbox = null;
    }
  }

  private apply({ microsteps, effects }: Step, event: { type: string }): void {
    for (const snapshot of microsteps) {
      this.snapshot = snapshot;
      this.journal.recordSnapshot(this.tag, snapshot, event);
    }
    for (const effect of effects) {
      if (effect.type === 'action') {
        this.machine.hostActions.get(effect.name)!({ context: effect.context, event: effect.event, self: undefined, system: undefined }, effect.params);
      } else if (effect.type === 'schedule') {
        // A host action of this very step may have stopped the actor: it keeps no timer then.
        if (this.stopped) continue;
        const fire = { type: effect.event };
        (this.timers ??= new Map()).set(
          effect.id,
          this.clock.setTimeout(() => {
            this.timers!.delete(effect.id);
            this.send(fire);
          }, effect.delay),
        );
      } else {
        const timer = this.timers?.get(effect.id);
        if (timer === undefined) continue;
        this.clock.clearTimeout(timer);
        this.timers!.delete(effect.id);
      }
    }
  }
}
