import type { DagEdge } from './dag.ts';
import { dagDepths } from './depths.ts';

/**
 * The cost past which a DAG is not given to Graphviz at all. Its time grows faster than the
 * cost (a fan-out of 2,000: ~1 s; 5,000: ~3.4 s; 8,000: ~10 s; a chain of 100 steps that each
 * also depend on the first, cost ~5,000: ~8 s; past ~9,000 edges it runs out of stack or lays
 * out for minutes). Below it a layout still has a deadline (graphviz.ts).
 */
export const MAX_LAYOUT_COST = 5_000;

/**
 * Roughly what laying a DAG out costs Graphviz's `dot`: a node per symbol, one per dependency,
 * and one more for every layer a dependency passes through (dot draws a long edge through a
 * virtual node in each layer between its ends). A chain of 200 steps that each also depend on
 * the first has only 597 symbols and dependencies but ~20,000 such nodes, and dot did not lay it
 * out in minutes; a fan-out of 2,500 has none.
 *
 * The layers are taken two ways, each symbol as early as its dependencies allow (its depth) and
 * each as late as its dependents allow, and the cheaper is counted: dot ranks the graph to
 * shorten its edges, so its own layers are at least as good as the better of the two.
 */
export function layoutCost(dag: { nodes: readonly { id: string }[]; edges: readonly DagEdge[] }): number {
  const { dependents, order, depth: early } = dagDepths(dag.nodes.map((n) => n.id), dag.edges);
  const deepest = early.reduce((a, b) => Math.max(a, b), 0);
  const late = new Int32Array(dag.nodes.length).fill(deepest);
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i];
    for (const w of dependents[v]) late[v] = Math.min(late[v], late[w] - 1);
  }
  let earlySpan = 0;
  let lateSpan = 0;
  dependents.forEach((ws, v) => {
    for (const w of ws) {
      earlySpan += Math.max(0, early[w] - early[v] - 1);
      lateSpan += Math.max(0, late[w] - late[v] - 1);
    }
  });
  return dag.nodes.length + dag.edges.length + Math.min(earlySpan, lateSpan);
}
