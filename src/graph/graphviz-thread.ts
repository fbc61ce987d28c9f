import { parentPort } from 'node:worker_threads';
import type { GraphvizReply, GraphvizRequest } from './graphviz.ts';

/**
 * The worker thread's side of src/graph/graphviz.ts: Graphviz (WebAssembly) loaded once, one
 * layout at a time. Runs here so that a long layout never stops the caller's event loop.
 */
const port = parentPort!;
let viz: { renderString(dot: string, options: { format: string }): string } | null = null;

port.on('message', async ({ id, dot, format }: GraphvizRequest) => {
  let reply: GraphvizReply;
  try {
    viz ??= await (await import('@viz-js/viz')).instance();
    reply = { id, ok: true, text: viz.renderString(dot, { format }) };
  } catch (error) {
    // Graphviz lays a graph out recursively, and can run out of stack: too big to lay out.
    reply = { id, ok: false, reason: error instanceof RangeError ? 'too-big' : 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
