import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { TransitionRecord } from '../../../src/store/types.ts';
import type { Microstep, PureMachine, RequestedAction } from './pure-machine.ts';
import { showStep } from './values.ts';

/** What a journal row holds that a replay reads. */
export type JournalRow = Pick<TransitionRecord, 'seq' | 'from' | 'to' | 'event' | 'payload' | 'at'>;

/** The row disagrees with the machine: what the row says and what the machine did. */
export interface Mismatch {
  expected: string;
  got: string;
}

/** A row the machine writes: a microstep that changed the state value. */
interface ExpectedRow extends Microstep {
  from: string;
}

/** The event a row records: its type plus its payload (xstate.* events have none). */
export function eventOfRow(row: Pick<JournalRow, 'event' | 'payload'>): EventObject {
  const { payload } = row;
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
    ? { ...(payload as Record<string, unknown>), type: row.event }
    : { type: row.event };
}

/**
 * One actor instance re-simulated row by row, the way the journal recorder saw it: a row's
 * event is fed to the machine when every row of the previous event has been matched; the
 * event's macrostep gives one expected row per microstep that changed the state value (an
 * event can write several: `running -> failed -> retrying` on one `task.failed`); each recorded
 * row must equal the next expected one. The state before a row is therefore its `from`, and
 * the state after it its `to`, or the replay stops with a Mismatch.
 */
export class ActorReplay {
  snapshot!: AnyMachineSnapshot;
  value = '';
  private expected: ExpectedRow[] = [];
  private next = 0;
  private actions: RequestedAction[] = [];

  constructor(private readonly pure: PureMachine) {}

  /** The instance's first row (`from` null, `xstate.init`): the actor starts with `input`. */
  start(row: JournalRow, input: unknown): Mismatch | null {
    if (row.from !== null || row.event !== 'xstate.init') {
      return { expected: showStep(row.from, row.to, row.event), got: 'an actor that has not started (its first row must be xstate.init, from nothing)' };
    }
    const step = this.pure.initial(input);
    const first = step.microsteps[0];
    this.snapshot = first.snapshot;
    this.value = first.value;
    this.expected = [];
    this.next = 0;
    this.actions = step.actions;
    return first.value === row.to ? null : { expected: showStep(null, row.to, row.event), got: showStep(null, first.value, row.event) };
  }

  /** Starts the replay from a snapshot made up for it (an actor whose history began elsewhere). */
  seed(snapshot: AnyMachineSnapshot, value: string): void {
    this.snapshot = snapshot;
    this.value = value;
    this.expected = [];
    this.next = 0;
    this.actions = [];
  }

  /** Whether rows of the last event are still to come. */
  get midStep(): boolean {
    return this.next < this.expected.length;
  }

  /** The rows the machine wrote for the last event that the journal has not shown yet. */
  get unmatched(): string[] {
    return this.expected.slice(this.next).map((r) => showStep(r.from, r.value, r.event));
  }

  /**
   * Matches `row`. Returns the mismatch, if any, and when the row completes its event's
   * macrostep, the named actions that macrostep asked for (announceSettled, …).
   */
  apply(row: JournalRow): { mismatch: Mismatch | null; completed: RequestedAction[] | null } {
    if (!this.midStep) {
      const step = this.pure.step(this.snapshot, eventOfRow(row));
      this.expected = rowsOf(this.value, step.microsteps);
      this.next = 0;
      this.actions = step.actions;
      if (this.expected.length === 0) {
        return { mismatch: { expected: showStep(row.from, row.to, row.event), got: `no transition: stays ${this.value}` }, completed: null };
      }
    }
    const want = this.expected[this.next];
    if (want.from !== row.from || want.value !== row.to || want.event !== row.event) {
      return { mismatch: { expected: showStep(row.from, row.to, row.event), got: showStep(want.from, want.value, want.event) }, completed: null };
    }
    this.next++;
    this.snapshot = want.snapshot;
    this.value = want.value;
    return { mismatch: null, completed: this.midStep ? null : this.actions };
  }

  /** Whether the machine, where it is now, takes `event` at all (a transition, or actions). */
  accepts(event: EventObject): boolean {
    return !this.midStep && this.snapshot.can(event);
  }

  /**
   * Feeds an event that the journal could not record because it changes no state (only
   * context), if the machine takes it here and it indeed changes none; returns false (and
   * changes nothing) otherwise.
   */
  feedUnrecorded(event: EventObject): boolean {
    if (this.midStep || !this.accepts(event)) return false;
    const step = this.pure.step(this.snapshot, event);
    if (rowsOf(this.value, step.microsteps).length > 0) return false;
    const last = step.microsteps.at(-1);
    if (last) this.snapshot = last.snapshot;
    return true;
  }
}

function rowsOf(from: string, microsteps: Microstep[]): ExpectedRow[] {
  const rows: ExpectedRow[] = [];
  let value = from;
  for (const m of microsteps) {
    if (m.value === value) continue;
    rows.push({ ...m, from: value });
    value = m.value;
  }
  return rows;
}
