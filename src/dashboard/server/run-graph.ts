import type { Manifest } from '../../manifest/types.ts';
import type { RunRecord } from '../../store/types.ts';
import { dagOf } from '../../graph/dag.ts';
import { groupByDepth } from '../../graph/groups.ts';
import { layoutDag } from '../../graph/layout.ts';
import type { PageLayout, RunGraph } from '../wire.ts';
import { layeredLayout } from './dag-layout.ts';

/**
 * GET /api/runs/:id/graph: the run's symbols as the manifest declared them, and where to draw
 * each. The layout depends on the manifest alone, so it is the same at every seq; states only
 * colour it (the page does that).
 */

export async function runGraph(run: RunRecord): Promise<RunGraph> {
  const manifest = run.manifest as Manifest;
  const symbols = manifest.symbols.map((s) => ({
    name: s.name,
    type: s.type,
    context: s.context,
    dispatch: s.dispatch,
    priority: s.priority,
    retries: s.retries,
    timeout: s.timeout,
    dependencies: s.dependencies,
    rollback: s.rollback?.name ?? null,
  }));
  const edges = symbols.flatMap((s) => s.dependencies.map((d) => ({ from: d, to: s.name })));
  const graphviz = await graphvizLayout(manifest);
  if (graphviz) return { runId: run.id, workflow: run.name, symbols, layout: graphviz, engine: 'graphviz' };
  // Too many symbols to draw one by one: one box per depth, with its members listed.
  const grouped = groupByDepth(symbols.map((s) => s.name), edges);
  const layout =
    (await layoutDag({ nodes: grouped.groups, edges: grouped.edges })) ??
    layeredLayout(grouped.groups.map((g) => g.id), grouped.edges);
  // The groups name every symbol; their declarations (megabytes at 100k) are left to the drawer.
  return { runId: run.id, workflow: run.name, layout, engine: 'grouped', groups: grouped.groups };
}

/** Graphviz's layout (src/graph/layout.ts, cached per manifest); null for graphs too big for it. */
async function graphvizLayout(manifest: Manifest): Promise<PageLayout | null> {
  return layoutDag(dagOf(manifest));
}
