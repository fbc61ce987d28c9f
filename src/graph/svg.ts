import { UsageError } from '../errors.ts';
import type { Dag } from './dag.ts';
import { dagToDot } from './formats.ts';
import { renderGraphviz } from './graphviz.ts';
import { MAX_LAYOUT_COST, layoutCost } from './layout-cost.ts';

const WHAT_TO_USE = 'use --format dot (and render it with Graphviz itself), json or mermaid, or the dashboard, which groups wide graphs.';

/** The DAG as SVG, laid out by Graphviz; a UsageError for one too big to lay out here. */
export async function dagToSvg(dag: Dag): Promise<string> {
  const cost = layoutCost(dag);
  if (cost > MAX_LAYOUT_COST) {
    const layers = cost - dag.nodes.length - dag.edges.length;
    const through = layers > 0 ? `, and its dependencies pass through ${layers} layers in all` : '';
    throw new UsageError(
      `This graph has ${dag.nodes.length} symbols and ${dag.edges.length} dependencies${through}: more than Graphviz lays out as SVG here in reasonable time (a cost of ${MAX_LAYOUT_COST.toLocaleString('en-US')} at most, counting each); ${WHAT_TO_USE}`,
    );
  }
  return dotToSvg(dagToDot(dag));
}

/**
 * SVG from DOT through Graphviz compiled to WebAssembly (@viz-js/viz), on a thread of its own
 * with a deadline (graphviz.ts): a real layout, never a hand-written one.
 */
export async function dotToSvg(dot: string): Promise<string> {
  const result = await renderGraphviz(dot, 'svg');
  if (result.ok) return result.text;
  if (result.reason === 'too-big') throw new UsageError(`This graph is too big for Graphviz to lay out as SVG here; ${WHAT_TO_USE}`);
  if (result.reason === 'too-slow') throw new UsageError(`${result.message}, so there is no SVG of it; ${WHAT_TO_USE}`);
  throw new Error(`Graphviz failed to lay the graph out: ${result.message}`);
}
