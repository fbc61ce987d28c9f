import type { TaskContext, TaskInput } from '../../../machines/task-machine.ts';
import { payloadTextOf } from '../../../src/store/stored-rows.ts';
import type { TransitionRecord } from '../../../src/store/types.ts';
import { ActorReplay, type Mismatch } from './actor-replay.ts';
import { recordedInput, taskInput, type InputShape } from './actor-inputs.ts';
import type { PureMachine } from './pure-machine.ts';
import { sameExcept, sameValue } from './values.ts';

/** One task actor instance: its rows, from its `xstate.init` row to the next instance's. */
export interface TaskInstance {
  actorId: string;
  name: string;
  /** Its symbol's index in the run's manifest. */
  symbol: number;
  /** Its symbol's input, but the name. */
  shape: InputShape;
  rows: TransitionRecord[];
}

/** What re-simulating one instance's rows gave. */
export interface Trajectory {
  /** The state and context after the last row replayed (at the cut, or where it diverged). */
  value: string;
  context: TaskContext;
  /** Rows replayed before the end or the mismatch. */
  replayed: number;
  /** Where the machine announced the task settled (the row completing that event), and how. */
  settlements: { index: number; status: string }[];
  mismatch: (Mismatch & { index: number }) | null;
}

/** The name the action that tells the host a task settled has in the task machine. */
export const SETTLED_ACTION = 'announceSettled';

/**
 * Re-simulates one task instance. `complete` says the journal is whole (not cut by --at):
 * then rows the machine writes that the journal lacks are a mismatch too.
 */
export function simulateTrajectory(
  pure: PureMachine,
  input: TaskInput,
  rows: readonly TransitionRecord[],
  complete: boolean,
  trace?: { value: string; context: TaskContext }[],
): Trajectory {
  const replay = new ActorReplay(pure);
  const settlements: Trajectory['settlements'] = [];
  const done = (replayed: number, mismatch: Trajectory['mismatch']): Trajectory => ({
    value: replay.value,
    context: replay.snapshot?.context as TaskContext,
    replayed,
    settlements,
    mismatch,
  });
  const first = rows[0];
  let mismatch: Mismatch | null;
  try {
    mismatch = replay.start(first, recordedInput(first.payload) ?? input);
  } catch (err) {
    mismatch = { expected: 'an actor that starts', got: `the machine failed to start: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (mismatch) return done(0, { ...mismatch, index: 0 });
  trace?.push({ value: replay.value, context: replay.snapshot.context });
  for (let i = 1; i < rows.length; i++) {
    const { mismatch, completed } = replay.apply(rows[i]);
    if (mismatch) return done(i, { ...mismatch, index: i });
    trace?.push({ value: replay.value, context: replay.snapshot.context });
    if (completed) {
      for (const action of completed) {
        if (action.type === SETTLED_ACTION) settlements.push({ index: i, status: settledStatus(action.params, replay.value) });
      }
    }
  }
  if (complete && replay.midStep) {
    return done(rows.length, { expected: '(no further row)', got: replay.unmatched[0], index: rows.length - 1 });
  }
  return done(rows.length, null);
}

function settledStatus(params: unknown, value: string): string {
  const status = (params as { status?: unknown } | undefined)?.status;
  return typeof status === 'string' ? status : value;
}

/**
 * Trajectory sharing: instances with the same input shape (their symbol's retries, timeouts,
 * …; names aside) and the same rows (states, events, payloads; seq and times aside) go through
 * the same machine steps, so one re-simulation serves all of them — that is what makes a
 * 100k-task journal, where most tasks did exactly the same thing, cheap to re-simulate.
 *
 * This holds as long as the task machine treats a task's name as a label (copies it, writes it
 * into messages) and never branches on it. That is checked, not assumed: a class is shared
 * only if its first two members, each re-simulated on its own, agree row for row on every
 * state and every context field but `name`; otherwise (e.g. a timeout, whose error message
 * names the task) every member is re-simulated. `share: false` re-simulates every instance.
 */
export interface SharingStats {
  /** Distinct (input, rows) classes, instances re-simulated, and instances that reused a class's result. */
  classes: number;
  simulated: number;
  shared: number;
}

const NAME_ONLY = new Set(['name']);

export function simulateTasks(
  pure: PureMachine,
  instances: readonly TaskInstance[],
  options: { complete: boolean; share: boolean },
): { trajectories: Trajectory[]; sharing: SharingStats } {
  const trajectories: Trajectory[] = new Array(instances.length);
  const stats: SharingStats = { classes: 0, simulated: 0, shared: 0 };
  const run = (i: number, trace?: { value: string; context: TaskContext }[]) => {
    stats.simulated++;
    return (trajectories[i] = simulateTrajectory(pure, taskInput(instances[i].shape, instances[i].name), instances[i].rows, options.complete, trace));
  };
  if (!options.share) {
    for (let i = 0; i < instances.length; i++) run(i);
    stats.classes = instances.length;
    return { trajectories, sharing: stats };
  }
  // Bucketed by input, row count and last state; within a bucket, rows are compared field by
  // field with each class's first member (no key is built per row).
  const buckets = new Map<string, number[][]>();
  const classes: number[][] = [];
  // Neighbours mostly share a bucket: the previous instance's is tried before a key is made.
  let previous: TaskInstance | null = null;
  let previousBucket: number[][] = [];
  for (let i = 0; i < instances.length; i++) {
    const { rows, shape } = instances[i];
    const last = rows[rows.length - 1].to;
    const sameBucket = previous !== null && previous.shape === shape && previous.rows.length === rows.length && previous.rows[rows.length - 1].to === last;
    previous = instances[i];
    if (!sameBucket) {
      const key = `${shape.id}\u0002${rows.length}\u0002${last}`;
      const found = buckets.get(key);
      if (!found) {
        const members = [i];
        buckets.set(key, (previousBucket = [members]));
        classes.push(members);
        continue;
      }
      previousBucket = found;
    }
    const bucket = previousBucket;
    const same = bucket.find((members) => sameRows(instances[members[0]].rows, rows));
    if (same) {
      same.push(i);
    } else {
      const members = [i];
      bucket.push(members);
      classes.push(members);
    }
  }
  stats.classes = classes.length;
  for (const members of classes) {
    if (members.length === 1) {
      run(members[0]);
      continue;
    }
    const traceA: { value: string; context: TaskContext }[] = [];
    const traceB: { value: string; context: TaskContext }[] = [];
    const a = run(members[0], traceA);
    const b = run(members[1], traceB);
    if (!sameTrajectory(a, b, traceA, traceB)) {
      for (let k = 2; k < members.length; k++) run(members[k]);
      continue;
    }
    for (let k = 2; k < members.length; k++) {
      const i = members[k];
      trajectories[i] = { ...a, context: { ...a.context, name: instances[i].name } };
      stats.shared++;
    }
  }
  return { trajectories, sharing: stats };
}

/** The same rows as the machine sees them: states, events and payloads (seq and times aside). */
function sameRows(a: readonly TransitionRecord[], b: readonly TransitionRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.to !== y.to || x.event !== y.event || x.from !== y.from || payloadTextOf(x) !== payloadTextOf(y)) return false;
  }
  return true;
}

function sameTrajectory(
  a: Trajectory,
  b: Trajectory,
  traceA: { value: string; context: TaskContext }[],
  traceB: { value: string; context: TaskContext }[],
): boolean {
  if (a.replayed !== b.replayed || a.value !== b.value || traceA.length !== traceB.length) return false;
  if ((a.mismatch === null) !== (b.mismatch === null)) return false;
  if (a.mismatch && b.mismatch && (a.mismatch.index !== b.mismatch.index || a.mismatch.got !== b.mismatch.got)) return false;
  if (!sameValue(a.settlements, b.settlements)) return false;
  for (let i = 0; i < traceA.length; i++) {
    if (traceA[i].value !== traceB[i].value) return false;
    if (!sameExcept(traceA[i].context as never, traceB[i].context as never, NAME_ONLY)) return false;
  }
  return true;
}
