import { UsageError } from '../errors.ts';

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
    // Graphviz lays a wide graph out recursively, and runs out of stack (a node with 10,000
    // edges did): too big to draw, which says what to use instead.
    if (error instanceof RangeError) {
      throw new UsageError('This graph is too big for Graphviz to lay out as SVG here; use --format dot (and render it with Graphviz itself), json or mermaid, or the dashboard, which groups wide graphs.');
    }
    throw error;
  }
}
