import type { DagEdge } from './dag.ts';
import { dagDepths } from './depths.ts';

/**
 * A DAG too big to draw node by node, folded into groups by depth (the longest chain of
 * dependencies above a symbol): group k holds the symbols k steps down, and an edge joins two
 * groups when a dependency does. A 100k-symbol fan-out becomes a handful of boxes whose counts
 * by state the page fills in. Linear in symbols and edges (dagDepths).
 */
export interface DagGroup {
  id: string;
  depth: number;
  members: string[];
}

export function groupByDepth(names: readonly string[], edges: readonly DagEdge[]): { groups: DagGroup[]; edges: DagEdge[] } {
  const { dependents: out, depth } = dagDepths(names, edges);
  const byDepth = new Map<number, string[]>();
  names.forEach((name, i) => {
    const list = byDepth.get(depth[i]);
    if (list) list.push(name);
    else byDepth.set(depth[i], [name]);
  });
  const groups = [...byDepth.keys()].sort((a, b) => a - b).map((d) => ({ id: `depth ${d}`, depth: d, members: byDepth.get(d)! }));
  const seen = new Set<string>();
  const groupEdges: DagEdge[] = [];
  for (let i = 0; i < names.length; i++) {
    for (const j of out[i]) {
      const key = `${depth[i]}>${depth[j]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      groupEdges.push({ from: `depth ${depth[i]}`, to: `depth ${depth[j]}` });
    }
  }
  return { groups, edges: groupEdges };
}
