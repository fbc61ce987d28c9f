import { UsageError } from '../errors.ts';
import type { Dag } from './dag.ts';
import { dagToDot } from './formats.ts';
import { layoutCost } from './layout-cost.ts';

/**
 * The layout cost (layoutCost: symbols, dependencies and the layers dependencies pass through)
 * past which a DAG is not laid out as SVG. Graphviz's time grows faster than that cost (a
 * fan-out of 2,000: ~1 s; 5,000: ~3.4 s; 8,000: ~10 s; past ~9,000 edges it runs out of stack
 * or, once Bun has optimised its WebAssembly, lays out for minutes), and it runs on the main
 * thread, where not even Ctrl-C stops it. A command must not hang on its input.
 */
export const SVG_MAX_LAYOUT_COST = 5_000;

const WHAT_TO_USE = 'use --format dot (and render it with Graphviz itself), json or mermaid, or the dashboard, which groups wide graphs.';

/** The DAG as SVG, laid out by Graphviz; a UsageError for one too big to lay out here. */
export async function dagToSvg(dag: Dag): Promise<string> {
  const cost = layoutCost(dag);
  if (cost > SVG_MAX_LAYOUT_COST) {
    const layers = cost - dag.nodes.length - dag.edges.length;
    const through = layers > 0 ? `, and its dependencies pass through ${layers} layers in all` : '';
    throw new UsageError(
      `This graph has ${dag.nodes.length} symbols and ${dag.edges.length} dependencies${through}: more than Graphviz lays out as SVG here in reasonable time (a cost of ${SVG_MAX_LAYOUT_COST.toLocaleString('en-US')} at most, counting each); ${WHAT_TO_USE}`,
    );
  }
  return dotToSvg(dagToDot(dag));
}

/**
 * SVG from DOT through Graphviz compiled to WebAssembly (@viz-js/viz): a real layout, never a
 * hand-written one. Loaded only when asked for (the module holds the whole of Graphviz).
 */
export async function dotToSvg(dot: string): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  try {
    return viz.renderString(dot, { format: 'svg' });
  } catch (error) {
    // Graphviz lays a graph out recursively, and can run out of stack: too big to draw.
    if (error instanceof RangeError) throw new UsageError(`This graph is too big for Graphviz to lay out as SVG here; ${WHAT_TO_USE}`);
    throw error;
  }
}
