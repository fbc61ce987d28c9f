/** The shapes the server's JSON routes return (src/dashboard/server/). */

export interface RunSummary {
  runId: string;
  name: string;
  status: string;
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  replayOf: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface ErrorInfo {
  name: string;
  code?: string;
  message: string;
}

export interface TaskResult {
  name: string;
  status: string;
  attempts: number;
  output: unknown;
  error: ErrorInfo | null;
  node: string | null;
  rollbackOutput: unknown;
  rollbackError: ErrorInfo | null;
  reused: boolean;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface Row {
  seq: number;
  actorId: string;
  actorKind: string;
  from: string | null;
  to: string;
  event: string;
  payload: unknown;
  at: number;
}

export interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Box[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

export interface GraphSymbol {
  name: string;
  type: string;
  dispatch: string;
  dependencies: string[];
  rollback: string | null;
}

export interface RunGraph {
  runId: string;
  workflow: string;
  symbols: GraphSymbol[];
  layout: Layout;
  engine: 'graphviz' | 'grouped';
  /** With `grouped`: each box's symbols (one box per dependency depth). */
  groups?: { id: string; depth: number; members: string[] }[];
}

export interface TaskState {
  name: string;
  state: string;
  attempts: number;
  node: string | null;
}

export interface RunState {
  runId: string;
  at: number | null;
  firstSeq: number | null;
  lastSeq: number | null;
  rows: number;
  runState: string;
  tasks: TaskState[];
  divergence: string | null;
}

export interface Attempt {
  kind: string;
  attempt: number | null;
  node: string | null;
  readyAt: number | null;
  assignedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  result: string;
  error: ErrorInfo | null;
  output?: unknown;
  fromRun?: string;
}

export interface TaskDetail {
  runId: string;
  name: string;
  at: number | null;
  symbol: { name: string; type: string; dispatch: string; parameters: unknown; dependencies: string[]; rollback?: { name: string } };
  result: TaskResult | null;
  state: string;
  path: string[];
  attempts: Attempt[];
  reusedFrom: string | null;
  rows: Row[];
}

export interface Statechart {
  machine: string;
  initial: string;
  states: string[];
  final: string[];
  edges: { from: string; to: string; event: string }[];
  layout: Layout;
}

export interface NodeRecord {
  id: string;
  kind: string;
  status: string;
  capacity: number;
  running: number;
  capabilities: string[];
  lastSeenAt: number;
  startedAt: number;
}
