import { toDirectedGraph } from 'xstate/graph';
import { taskMachine } from '../../../machines/task-machine.ts';
import { layeredLayout, type PageLayout } from './dag-layout.ts';

/**
 * GET /api/machines/task: the task machine's statechart as `xstate/graph` reads it from the
 * machine itself (so the drawing cannot drift from the code), plus its eventless (`always`)
 * transitions, which `toDirectedGraph` leaves out, and a layout. Computed once: the machine is
 * fixed for the life of the process.
 */

export interface StatechartEdge {
  from: string;
  to: string;
  /** The event type; `after <delay>` for a delayed transition, `always` for an eventless one. */
  event: string;
}

export interface Statechart {
  machine: string;
  initial: string;
  states: string[];
  final: string[];
  edges: StatechartEdge[];
  layout: PageLayout;
}

interface StateNodeLike {
  key: string;
  type: string;
  states: Record<string, StateNodeLike>;
  always?: { target?: { key: string }[] }[];
}

function eventLabel(type: string): string {
  // xstate.after.<delay name>.<state id>
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  return after ? `after ${after[1]}` : type;
}

function build(): Statechart {
  // `.root`, not the machine: toDirectedGraph checks `instanceof StateMachine`, which fails
  // when two copies of xstate are loaded (Bun's cache and node_modules).
  const root = taskMachine.root as unknown as StateNodeLike;
  const graph = toDirectedGraph(taskMachine.root);
  const states = Object.keys(root.states);
  const keyOf = (id: string) => id.slice(id.indexOf('.') + 1);
  const seen = new Set<string>();
  const edges: StatechartEdge[] = [];
  const add = (edge: StatechartEdge) => {
    const key = `${edge.from}\0${edge.to}\0${edge.event}`;
    if (!seen.has(key)) edges.push(edge), seen.add(key);
  };
  for (const child of graph.children) {
    for (const e of child.edges) add({ from: keyOf(e.source.id), to: keyOf(e.target.id), event: eventLabel(e.label.text) });
  }
  for (const [key, node] of Object.entries(root.states)) {
    for (const t of node.always ?? []) for (const target of t.target ?? []) add({ from: key, to: target.key, event: 'always' });
  }
  const initial = (taskMachine.config.initial as string | undefined) ?? states[0];
  const final = Object.entries(root.states).filter(([, n]) => n.type === 'final').map(([k]) => k);
  // Layers follow the distance from the initial state; edges back up (retrying → ready) and
  // self-loops do not shape them, so the chart reads top-down like the lifecycle.
  const depth = new Map<string, number>([[initial, 0]]);
  for (let frontier = [initial]; frontier.length > 0; ) {
    const next: string[] = [];
    for (const from of frontier) {
      for (const e of edges) if (e.from === from && !depth.has(e.to)) depth.set(e.to, depth.get(from)! + 1), next.push(e.to);
    }
    frontier = next;
  }
  const forward = edges.filter((e) => (depth.get(e.from) ?? 0) < (depth.get(e.to) ?? 0));
  const layout = layeredLayout(states, forward);
  // Every edge is drawn, back edges too: the layout's own polylines are for forward edges only.
  layout.edges = edges.filter((e) => e.from !== e.to).map((e) => edgeBetween(layout, e.from, e.to));
  return { machine: 'task', initial, states, final, edges, layout };
}

/** A straight edge between two boxes, from the side of one facing the other. */
function edgeBetween(layout: PageLayout, from: string, to: string) {
  const a = layout.nodes.find((n) => n.id === from)!;
  const b = layout.nodes.find((n) => n.id === to)!;
  const down = b.y > a.y;
  const up = b.y < a.y;
  return {
    from,
    to,
    points: [
      { x: a.x + a.width / 2, y: down ? a.y + a.height : up ? a.y : a.y + a.height / 2 },
      { x: b.x + b.width / 2, y: down ? b.y : up ? b.y + b.height : b.y + b.height / 2 },
    ],
  };
}

let cached: Statechart | undefined;

export function taskStatechart(): Statechart {
  cached ??= build();
  return cached;
}
