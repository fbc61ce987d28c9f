import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';

/**
 * A machine's statechart as `xstate/graph` reads it from the definition itself (so no drawing
 * can drift from the code), plus the eventless (`always`) transitions, which `toDirectedGraph`
 * leaves out. Top-level states only: the swarm's machines are flat.
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

export function statechartOf(name: string, machine: AnyStateMachine): Statechart {
  // `.root`, not the machine: toDirectedGraph checks `instanceof StateMachine`, which fails
  // when two copies of xstate are loaded (Bun's cache and node_modules).
  const root = machine.root as unknown as StateNodeLike;
  const graph = toDirectedGraph(machine.root);
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
  const initial = (machine.config.initial as string | undefined) ?? states[0];
  const final = Object.entries(root.states).filter(([, n]) => n.type === 'final').map(([k]) => k);
  return { machine: name, initial, states, final, edges };
}
