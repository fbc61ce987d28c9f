/**
 * SVG from DOT through Graphviz compiled to WebAssembly (@viz-js/viz): a real layout, never a
 * hand-written one. Loaded only when asked for (the module holds the whole of Graphviz).
 */
export async function dotToSvg(dot: string): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
}
