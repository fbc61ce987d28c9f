/**
 * The thread body of src/graph/graphviz.ts: Graphviz (WebAssembly) loaded once, one layout at
 * a time, so that a long layout never holds up the caller's event loop.
 */
import type { GraphvizReply, GraphvizRequest } from './graphviz.ts';

declare const self: Worker;

let viz: { renderString(dot: string, options: { format: string }): string } | null = null;

self.onmessage = async (event: MessageEvent<GraphvizRequest>) => {
  const { id, dot, format } = event.data;
  let reply: GraphvizReply;
  try {
    viz ??= await (await import('@viz-js/viz')).instance();
    reply = { id, ok: true, text: viz.renderString(dot, { format }) };
  } catch (error) {
    // Graphviz lays a graph out recursively, and can run out of stack: too big to lay out.
    reply = { id, ok: false, reason: error instanceof RangeError ? 'too-big' : 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(reply);
};
