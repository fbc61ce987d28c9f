import type { SimulatedActor } from '../../../actors/journal/simulation/re-simulate.ts';
import type { TransitionRecord } from '../../store/types.ts';
import { applyRow, rowsUpTo, type ViewTask } from '../../journal-view.ts';

/**
 * What `swarm watch` shows, computed from the run's journal alone: every task's state, node
 * and attempt as of the cursor, what runs where, and the journal rows up to it. Pure: rows in,
 * a view out; the screen draws it, the session feeds it.
 */

/** A task at the cursor; its state is `pending` before its actor exists. */
export interface WatchTask extends ViewTask {
  name: string;
}

export interface WatchView {
  runId: string;
  workflow: string;
  /** The run's state at the cursor (the coordinator's), `idle` before it started. */
  runState: string;
  /** The cursor's seq, and the range of the run's journal. */
  seq: number | null;
  firstSeq: number | null;
  lastSeq: number | null;
  live: boolean;
  tasks: WatchTask[];
  /** Task names by node, for the tasks on a node at the cursor. */
  byNode: Map<string, string[]>;
  /** The journal rows up to the cursor, newest last (the screen shows a tail). */
  rows: readonly TransitionRecord[];
}

const ON_NODE = new Set(['assigned', 'running', 'rolling_back']);

/**
 * The view at `seq` (the last row when null: live). `simulated`, when given, is the
 * re-simulation at that seq (`replay --simulate --at`): its task and coordinator states are
 * used, so stepping back shows what the machines rebuild, not just what the rows said.
 */
export function watchView(
  run: { runId: string; workflow: string; symbols: readonly string[] },
  journal: readonly TransitionRecord[],
  seq: number | null,
  simulated?: readonly SimulatedActor[],
): WatchView {
  const firstSeq = journal.length > 0 ? journal[0].seq : null;
  const lastSeq = journal.length > 0 ? journal[journal.length - 1].seq : null;
  const cursor = seq === null || lastSeq === null ? lastSeq : Math.max(firstSeq!, Math.min(seq, lastSeq));
  const rows = cursor === null ? [] : rowsUpTo(journal, cursor);
  const tasks = new Map<string, WatchTask>(run.symbols.map((name) => [name, { name, state: 'pending', node: null, attempts: 0 }]));
  let runState = 'idle';
  for (const row of rows) runState = applyRow(row, runState, (name) => tasks.get(name));
  for (const actor of simulated ?? []) {
    if (actor.kind === 'coordinator') runState = actor.state;
    if (actor.kind !== 'task') continue;
    const task = tasks.get(actor.actorId.slice(5));
    if (task) task.state = actor.state;
  }
  const byNode = new Map<string, string[]>();
  for (const task of tasks.values()) {
    if (!ON_NODE.has(task.state) || task.node === null) continue;
    const list = byNode.get(task.node) ?? [];
    list.push(task.name);
    byNode.set(task.node, list);
  }
  return {
    runId: run.runId,
    workflow: run.workflow,
    runState,
    seq: cursor,
    firstSeq,
    lastSeq,
    live: seq === null,
    tasks: [...tasks.values()],
    byNode,
    rows,
  };
}


/** Counts by state, in a stable order, for the header. */
export function countByState(tasks: readonly WatchTask[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
