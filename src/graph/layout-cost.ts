import type { Dag } from './dag.ts';

/**
 * Roughly what laying a DAG out costs Graphviz's `dot`: a node per symbol, one per dependency,
 * and one more for every layer a dependency passes through (dot draws a long edge through a
 * virtual node in each layer between its ends). A chain of 200 steps that each also depend on
 * the first has only 597 symbols and dependencies but ~20,000 such nodes, and dot did not lay it
 * out in minutes; a fan-out of 2,500 has none.
 *
 * The layers are taken two ways, each symbol as early as its dependencies allow and each as
 * late as its dependents allow, and the cheaper is counted: dot ranks the graph to shorten its
 * edges, so its own layers are at least as good as the better of the two.
 */
export function layoutCost(dag: Dag): number {
  const count = dag.nodes.length;
  const index = new Map<string, number>();
  dag.nodes.forEach((node, i) => index.set(node.id, i));
  const from: number[] = [];
  const to: number[] = [];
  for (const edge of dag.edges) {
    const a = index.get(edge.from);
    const b = index.get(edge.to);
    if (a !== undefined && b !== undefined) from.push(a), to.push(b);
  }
  const order = topologicalOrder(count, from, to);
  const early = new Int32Array(count);
  const outgoing = edgesBySource(count, from);
  for (const v of order) for (const e of outgoing[v]) early[to[e]] = Math.max(early[to[e]], early[v] + 1);
  const deepest = early.reduce((a, b) => Math.max(a, b), 0);
  const late = new Int32Array(count).fill(deepest);
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i];
    for (const e of outgoing[v]) late[v] = Math.min(late[v], late[to[e]] - 1);
  }
  let earlySpan = 0;
  let lateSpan = 0;
  for (let e = 0; e < from.length; e++) {
    earlySpan += Math.max(0, early[to[e]] - early[from[e]] - 1);
    lateSpan += Math.max(0, late[to[e]] - late[from[e]] - 1);
  }
  return count + dag.edges.length + Math.min(earlySpan, lateSpan);
}

function edgesBySource(count: number, from: readonly number[]): number[][] {
  const outgoing: number[][] = Array.from({ length: count }, () => []);
  from.forEach((v, e) => outgoing[v].push(e));
  return outgoing;
}

/** Kahn's order; a node on a cycle (a graph not checked as a manifest is) is left out. */
function topologicalOrder(count: number, from: readonly number[], to: readonly number[]): number[] {
  const incoming = new Int32Array(count);
  for (const b of to) incoming[b]++;
  const outgoing = edgesBySource(count, from);
  const order: number[] = [];
  for (let v = 0; v < count; v++) if (incoming[v] === 0) order.push(v);
  for (let i = 0; i < order.length; i++) {
    for (const e of outgoing[order[i]]) if (--incoming[to[e]] === 0) order.push(to[e]);
  }
  return order;
}
