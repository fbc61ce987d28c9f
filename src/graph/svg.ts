import { UsageError } from '../errors.ts';
import type { Dag } from './dag.ts';
import { dagToDot } from './formats.ts';

/**
 * Symbols and dependencies together past which a DAG is not laid out as SVG. Graphviz's time
 * grows faster than the graph (a fan-out of 2,000: ~1 s; 5,000: ~3.4 s; 8,000: ~10 s), and past
 * ~9,000 edges it either runs out of stack or, once Bun has optimised its WebAssembly, lays out
 * for minutes (50,000: more than six). A command must not hang on its input.
 */
export const SVG_MAX_ELEMENTS = 5_000;

const WHAT_TO_USE = 'use --format dot (and render it with Graphviz itself), json or mermaid, or the dashboard, which groups wide graphs.';

/** The DAG as SVG, laid out by Graphviz; a UsageError for one too big to lay out here. */
export async function dagToSvg(dag: Dag): Promise<string> {
  const elements = dag.nodes.length + dag.edges.length;
  if (elements > SVG_MAX_ELEMENTS) {
    throw new UsageError(
      `This graph has ${dag.nodes.length} symbols and ${dag.edges.length} dependencies, more than Graphviz lays out as SVG here in reasonable time (${SVG_MAX_ELEMENTS.toLocaleString('en-US')} of both at most); ${WHAT_TO_USE}`,
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
