import type { DagEdge } from './dag.ts';

/** A DAG's symbols by their index in `names`, in Kahn's order, each with its depth. */
export interface DagDepths {
  /** For each symbol, the symbols that depend on it. */
  dependents: number[][];
  /** Every symbol after all of its dependencies; one on a cycle is left out. */
  order: number[];
  /** The longest chain of dependencies above each symbol (0 for one without any). */
  depth: Int32Array;
}

/** Linear in symbols and edges; an edge naming no symbol is left out. */
export function dagDepths(names: readonly string[], edges: readonly DagEdge[]): DagDepths {
  const index = new Map(names.map((n, i) => [n, i]));
  const depth = new Int32Array(names.length);
  const indegree = new Int32Array(names.length);
  const dependents: number[][] = names.map(() => []);
  for (const e of edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined) continue;
    dependents[from].push(to);
    indegree[to]++;
  }
  const order: number[] = [];
  for (let i = 0; i < names.length; i++) if (indegree[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    const i = order[head];
    for (const j of dependents[i]) {
      if (depth[i] + 1 > depth[j]) depth[j] = depth[i] + 1;
      if (--indegree[j] === 0) order.push(j);
    }
  }
  return { dependents, order, depth };
}
