/**
 * The dashboard's JSON shapes: what its server routes (src/dashboard/server/) answer and its
 * page (src/dashboard/page/) reads. Types only, built from the runtime's own vocabulary (journal
 * rows, attempts, task results), and importing nothing that needs Bun, so the browser code
 * type-checks against the same declarations the server returns.
 */
import type { AttemptRecord } from '../attempt-history.ts';
import type { DagGroup } from '../graph/groups.ts';
import type { Statechart as MachineChart } from '../graph/statechart.ts';
import type { SymbolSpec } from '../manifest/types.ts';
import type { Interruption } from '../interruption.ts';
import type { TaskResult } from '../run-result.ts';
import type { TransitionRecord } from '../store/types.ts';

export type { AttemptRecord } from '../attempt-history.ts';
export type { SerializedError } from '../errors.ts';
export type { ListedRun, RunResult, RunSummary, TaskResult } from '../run-result.ts';
export type { ListedNode, NodeRecord, TransitionRecord } from '../store/types.ts';

/** Where the page draws one box of a graph. */
export interface LaidOutNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface PageLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

/** GET /api/runs/:id/graph: one symbol as declared. */
export interface GraphSymbol {
  name: string;
  type: string;
  context: string;
  dispatch: string;
  priority: number;
  retries: number;
  timeout: number;
  dependencies: string[];
  rollback: string | null;
}

/** GET /api/runs/:id/graph */
export interface RunGraph {
  runId: string;
  workflow: string;
  /** Every symbol as declared, for a graph drawn node by node (`graphviz`). */
  symbols?: GraphSymbol[];
  layout: PageLayout;
  /**
   * Which layout drew it: `graphviz` (src/graph/layout.ts), or for a run too big to draw node
   * by node, `grouped`: boxes are the groups below, laid out by Graphviz.
   */
  engine: 'graphviz' | 'grouped';
  /** With `grouped`: the symbols of each box (src/graph/groups.ts). */
  groups?: DagGroup[];
}

export interface TaskState {
  name: string;
  state: string;
  attempts: number;
  node: string | null;
}

/** GET /api/runs/:id/state[?at=SEQ] */
export interface RunState {
  runId: string;
  /** The seq asked for (clamped to the journal), or null for now. */
  at: number | null;
  firstSeq: number | null;
  lastSeq: number | null;
  /** How many journal rows the run has (the slider's steps). */
  rows: number;
  runState: string;
  /** Now only: unfinished, and no process runs it any more (`swarm run --resume` takes it up). */
  interrupted: boolean;
  /**
   * Why, when interrupted (src/run-liveness.ts Interruption): `dead`, its process is known gone
   * on the dispatcher's host; `expired`, its lease ran out (gone, or stopped renewing it);
   * `unowned`, no process ever took it.
   */
  interruption?: Interruption;
  /** When interrupted: the command that takes it up, with the config and --db this server was started with. */
  resumeCommand?: string;
  tasks: TaskState[];
  /** When re-simulation at `at` did not reproduce the journal: its first difference. */
  divergence: string | null;
  /** At a seq: what the journal cannot rebuild, so the page says so rather than guess. */
  notRebuilt: readonly string[];
}

/** GET /api/runs/:id/tasks/:name[?at=SEQ] */
export interface TaskDetail {
  runId: string;
  name: string;
  at: number | null;
  symbol: SymbolSpec;
  /** The stored projection (the latest, whatever `at`). */
  result: TaskResult | null;
  /** The machine state as of the cursor (`pending` before its actor started). */
  state: string;
  /**
   * States visited, in order, as of the cursor: one list per life of the task's actor (one
   * resumed after a crash, or started again to compensate, begins a new one from pending).
   */
  path: string[][];
  attempts: AttemptRecord[];
  /** The run whose result a replay carried over, when this task was reused. */
  reusedFrom: string | null;
  rows: TransitionRecord[];
}

/**
 * One attempt on the timeline (without its output and error: the drawer has those); `endedAt`
 * of an interrupted one is where the journal saw it cut short (the takeover).
 */
export type TimelineBar = Omit<AttemptRecord, 'error' | 'output' | 'fromRun' | 'interruptedAt'> & { task: string };

export interface TimelineRow {
  label: string;
  bars: TimelineBar[];
  /** Bars of this row not sent (a node lane's oldest). */
  more: number;
}

/** GET /api/runs/:id/timeline */
export interface RunTimeline {
  runId: string;
  at: number | null;
  /** Where unfinished bars end: the server's clock (live), the cursor row's time, or a finished run's end. */
  now: number;
  /** Read live and the run unfinished: bars without an end go on growing with the clock after `now`. */
  live: boolean;
  by: 'task' | 'node';
  /** The earliest and latest instants of any attempt; null when none began. */
  t0: number | null;
  t1: number | null;
  offset: number;
  /** Rows in all (tasks with an attempt, or nodes). */
  total: number;
  rows: TimelineRow[];
}

/** GET /api/machines/:name: a machine's statechart (src/graph/statechart.ts) with a layout. */
export interface Statechart extends MachineChart {
  layout: PageLayout;
}

/** GET /api/runs/:id/journal */
export interface JournalPage {
  rows: TransitionRecord[];
  /** Continues the scan; null at the end. */
  nextAfterSeq: number | null;
}
