import type { AnyMachineSnapshot } from 'xstate';
import { coordinatorMachine, type CoordinatorContext, type CoordinatorInput } from '../../../machines/coordinator-machine.ts';
import { coordinatorMessages } from '../../../src/messages.ts';
import type { TaskStatus, TransitionRecord } from '../../../src/store/types.ts';
import { ActorReplay, type Mismatch } from './actor-replay.ts';
import { recordedInput } from './actor-inputs.ts';
import { PureMachine } from './pure-machine.ts';

/** A task settling, as the simulation of its actor announced it: after the row at `seq`. */
export interface Settlement {
  seq: number;
  task: string;
  status: string;
  /** Settled by `task.cancel`: a cancel's, told to the coordinator only after its `run.cancel` row. */
  byCancel?: true;
}

export interface CoordinatorInstanceResult {
  value: string;
  context: CoordinatorContext;
  snapshot: AnyMachineSnapshot;
  /** Its rows replayed. */
  rows: TransitionRecord[];
}

export interface CoordinatorReplayResult {
  /** Every coordinator instance of the run (a resumed or rolled-back run has several), in order. */
  instances: CoordinatorInstanceResult[];
  mismatch: (Mismatch & { row: TransitionRecord }) | null;
  /** Settlements of the last instance's era never counted: delivering them would have changed its state. */
  undelivered: number;
}

const TASKS_SETTLED = coordinatorMessages.tasksSettled([]).type;

/**
 * The coordinator re-simulated with the settlements it was told about. The runtime sends it
 * `run.tasksSettled` bursts after the tasks' terminal rows, and a burst writes a row only when
 * it ends the run: the others change only counts and are not in the journal. They are rebuilt
 * from the simulated task actors instead: every settlement the task simulation announced
 * before a coordinator row is delivered before that row, as one unrecorded burst — provided the
 * coordinator takes it there and it changes no state (an unrecorded event cannot have), else
 * it waits for the next row. (A task's row can precede a coordinator row whose transition
 * caused it: an entry action such as beginScheduling runs before the row is written.) A recorded burst (the row
 * that ended the run) must name tasks that did settle that way, with the same status; it is
 * replayed as recorded. Counts stay exact: every task settles once per coordinator, and the
 * machine's guards only compare the counts with the total, so delivering a burst early cannot
 * cross them without the state change that would make it wait.
 *
 * A new coordinator instance (`xstate.init` again: a resumed or rolled-back run) starts from
 * the counts its `run.start` / `run.compensate` event carries; settlements before it are dropped.
 */
export function replayCoordinator(
  rows: readonly TransitionRecord[],
  settlements: readonly Settlement[],
  input: CoordinatorInput,
  complete: boolean,
): CoordinatorReplayResult {
  const pure = new PureMachine(coordinatorMachine);
  const replay = new ActorReplay(pure);
  const instances: CoordinatorInstanceResult[] = [];
  const pending = new PendingSettlements();
  let next = 0;
  let current: CoordinatorInstanceResult | null = null;
  const fail = (mismatch: Mismatch, row: TransitionRecord): CoordinatorReplayResult => {
    if (current) Object.assign(current, snapshotOf(replay));
    return { instances, mismatch: { ...mismatch, row }, undelivered: pending.size };
  };

  for (const row of rows) {
    while (next < settlements.length && settlements[next].seq < row.seq) pending.add(settlements[next++]);
    if (row.from === null) {
      if (current) Object.assign(current, snapshotOf(replay));
      pending.clear();
      const mismatch = replay.start(row, recordedInput(row.payload) ?? input);
      current = { ...snapshotOf(replay), rows: [row] };
      instances.push(current);
      if (mismatch) return fail(mismatch, row);
      continue;
    }
    if (!current) return fail({ expected: `${row.from} -> ${row.to} (${row.event})`, got: 'a coordinator that has not started (no xstate.init row before this one)' }, row);
    current.rows.push(row);
    if (!replay.midStep) {
      if (row.event === TASKS_SETTLED) {
        const problem = pending.takeRecorded(row.payload);
        if (problem) return fail(problem, row);
      }
      deliver(replay, pending);
    }
    const { mismatch } = replay.apply(row);
    if (mismatch) return fail(mismatch, row);
  }
  while (next < settlements.length) pending.add(settlements[next++]);
  if (current) {
    deliver(replay, pending);
    Object.assign(current, snapshotOf(replay));
    if (complete && replay.midStep) {
      return fail({ expected: '(no further row)', got: replay.unmatched[0] }, current.rows.at(-1)!);
    }
  }
  return { instances, mismatch: null, undelivered: pending.size };
}

function snapshotOf(replay: ActorReplay): Omit<CoordinatorInstanceResult, 'rows'> {
  return { value: replay.value, context: replay.snapshot.context as CoordinatorContext, snapshot: replay.snapshot };
}

/**
 * Delivers the pending settlements as one unrecorded burst, or, if that would change the state,
 * none of them: they wait for a later row. Not a part of them either: the burst that would
 * change the state holds the run's last settlements, which the runtime tells in the burst that
 * ends the run (recorded, and naming them) — or after the coordinator's own transition, when
 * their rows came from inside it (a cancel's `cancelOutstanding` settles the tasks off a node
 * before its row is written). A part delivered here would be counted twice, or missing from
 * the recorded burst that names it.
 */
function deliver(replay: ActorReplay, pending: PendingSettlements): void {
  if (pending.size === 0) return;
  // A cancel settles the tasks off a node from inside the coordinator's run.cancel transition,
  // before that row is written; the runtime tells the coordinator of them after it (its
  // settlements on their way were told before the cancel), so they wait for that row here.
  const beforeCancel = replay.value === 'running' || replay.value === 'paused';
  const held = (s: Settlement) => beforeCancel && s.byCancel === true;
  const burst = pending.list(held);
  if (burst.length === 0) return;
  // Not taken here (idle: the tasks' rows came from inside the coordinator's own transition,
  // which the journal writes after them): they reach it after its row, in its next state.
  if (!replay.accepts(coordinatorMessages.tasksSettled(burst))) return;
  if (replay.feedUnrecorded(coordinatorMessages.tasksSettled(burst))) pending.keepOnly(held);
}

/** Settlements not yet counted by the coordinator, in settlement order. */
class PendingSettlements {
  private entries: (Settlement | null)[] = [];
  size = 0;

  add(s: Settlement): void {
    this.entries.push(s);
    this.size++;
  }

  clear(): void {
    this.entries = [];
    this.size = 0;
  }

  /** Keeps only the settlements `kept` holds on to (the others were delivered). */
  keepOnly(kept: (s: Settlement) => boolean): void {
    this.entries = this.entries.filter((e) => e !== null && kept(e));
    this.size = this.entries.length;
  }

  /** The pending settlements but those `skip` holds back, as a burst's `settled` list. */
  list(skip: (s: Settlement) => boolean = () => false): { task: string; status: TaskStatus }[] {
    const out: { task: string; status: TaskStatus }[] = [];
    for (const e of this.entries) if (e && !skip(e)) out.push(e as unknown as { task: string; status: TaskStatus });
    return out;
  }

  /**
   * Finds a task's pending settlement: a recorded burst names few tasks, mostly the latest to
   * settle, so a short one is looked for from the end (a task settled twice in one coordinator's
   * time: its latest settlement); a long one (a big cancel) indexes them all (its earliest).
   */
  private finder(settled: readonly { task: string }[]): (task: string) => number | undefined {
    if (settled.length <= 16) {
      return (task) => {
        for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]?.task === task) return i;
        return undefined;
      };
    }
    // Only the named tasks are indexed: a flat run's last burst has its 100k settlements pending.
    const named = new Set<string>();
    for (const item of settled) named.add(item.task);
    const byTask = new Map<string, number[]>();
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (!e || !named.has(e.task)) continue;
      const list = byTask.get(e.task);
      if (list) list.push(i);
      else byTask.set(e.task, [i]);
    }
    return (task) => byTask.get(task)?.shift();
  }

  /** Takes out the tasks a recorded burst names; a mismatch if one did not settle so. */
  takeRecorded(payload: unknown): Mismatch | null {
    const settled = (payload as { settled?: unknown } | null)?.settled;
    if (!Array.isArray(settled)) return { expected: 'a run.tasksSettled payload with a settled list', got: JSON.stringify(payload) };
    const find = this.finder(settled as { task: string }[]);
    for (const item of settled as { task: string; status: string }[]) {
      const at = find(item.task);
      const entry = at === undefined ? undefined : this.entries[at];
      if (!entry) {
        return { expected: `task ${item.task} settled (${item.status}) before this row`, got: `task ${item.task} has not settled by then` };
      }
      if (entry.status !== item.status) {
        return { expected: `task ${item.task} settled ${item.status}`, got: `task ${item.task} settled ${entry.status} (after seq ${entry.seq})` };
      }
      this.entries[at!] = null;
      this.size--;
    }
    // Bursts mostly take the latest settlements: what they leave at the end is dropped, so
    // the next short burst's search from the end does not walk past them.
    while (this.entries.length > 0 && this.entries[this.entries.length - 1] === null) this.entries.pop();
    return null;
  }
}
