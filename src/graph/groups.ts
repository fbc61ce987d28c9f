import type { DagEdge } from './dag.ts';

/**
 * A DAG too big to draw node by node, folded into groups by depth (the longest chain of
 * dependencies above a symbol): group k holds the symbols k steps down, and an edge joins two
 * groups when a dependency does. A 100k-symbol fan-out becomes a handful of boxes whose counts
 * by state the page fills in. Linear in symbols and edges (Kahn's order).
 */
export interface DagGroup {
  id: string;
  depth: number;
  members: string[];
}

export function groupByDepth(names: readonly string[], edges: readonly DagEdge[]): { groups: DagGroup[]; edges: DagEdge[] } {
  const index = new Map(names.map((n, i) => [n, i]));
  const depth = new Int32Array(names.length);
  const indegree = new Int32Array(names.length);
  const out: number[][] = names.map(() => []);
  for (const e of edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined) continue;
    out[from].push(to);
    indegree[to]++;
  }
  const queue: number[] = [];
  for (let i = 0; i < names.length; i++) if (indegree[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head];
    for (const j of out[i]) {
      if (depth[i] + 1 > depth[j]) depth[j] = depth[i] + 1;
      if (--indegree[j] === 0) queue.push(j);
    }
  }
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
