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
  /**
   * Pending delayed events by id: the first in two fields, as a task has one at a time as a
   * rule (its timeout), any more in a Map made then (a Map a task was ~15% of what each task
   * left for the collector).
   */
  private timerId: string | null = null;
  private timer: unknown = null;
  private moreTimers: Map<string, unknown> | null = null;
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
    if (this.timerId !== null) this.clock.clearTimeout(this.timer);
    this.timerId = this.timer = null;
    if (this.moreTimers === null) return;
    for (const timer of this.moreTimers.values()) this.clock.clearTimeout(timer);
    this.moreTimers.clear();
  }

  private setTimer(id: string, timer: unknown): void {
    if (this.timerId === null || this.timerId === id) {
      this.timerId = id;
      this.timer = timer;
    } else (this.moreTimers ??= new Map()).set(id, timer);
  }

  /** The pending timer of `id`, forgotten; undefined if there is none. */
  private takeTimer(id: string): unknown {
    if (this.timerId === id) {
      const timer = this.timer;
      this.timerId = this.timer = null;
      return timer;
    }
    const timer = this.moreTimers?.get(id);
    if (timer !== undefined) this.moreTimers!.delete(id);
    return timer;
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
        this.setTimer(
          effect.id,
          this.clock.setTimeout(() => {
            this.takeTimer(effect.id);
            this.send(fire);
          }, effect.delay),
        );
      } else {
        const timer = this.takeTimer(effect.id);
        if (timer !== undefined) this.clock.clearTimeout(timer);
      }
    }
  }
}
