import type { Manifest } from '../manifest/types.ts';

/**
 * A workflow's dependency graph: one node per symbol (its rollback attached), one edge per
 * dependency (from the dependency to its dependent). With a run, each node carries the task's
 * state. What `swarm graph` prints and `validate --json` lists.
 */
export interface DagNode {
  id: string;
  type: string;
  dispatch: string;
  priority: number;
  rollback: string | null;
  /** The task's state in a run (at the end, or at a seq); absent for a bare manifest. */
  state?: string;
}

export interface DagEdge {
  from: string;
  to: string;
}

export interface Dag {
  name: string;
  nodes: DagNode[];
  edges: DagEdge[];
}

export function dagOf(manifest: Manifest, states?: ReadonlyMap<string, string>): Dag {
  return {
    name: manifest.name,
    nodes: manifest.symbols.map((s) => ({
      id: s.name,
      type: s.type,
      dispatch: s.dispatch,
      priority: s.priority,
      rollback: s.rollback?.name ?? null,
      ...(states && { state: states.get(s.name) ?? 'pending' }),
    })),
    edges: dependencyEdges(manifest.symbols),
  };
}

/** Every dependency as an edge from the dependency to its dependent, in declaration order. */
export function dependencyEdges(symbols: readonly { name: string; dependencies: readonly string[] }[]): DagEdge[] {
  return symbols.flatMap((s) => s.dependencies.map((d) => ({ from: d, to: s.name })));
}
