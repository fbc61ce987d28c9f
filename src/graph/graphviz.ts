import { SerialWorker, type SerialOutcome } from '../serial-worker.ts';

/**
 * Graphviz (`dot`, compiled to WebAssembly by @viz-js/viz) on a worker thread, with a deadline.
 *
 * Why a thread: a layout runs in one synchronous call, and its time grows much faster than the
 * graph (a chain of 100 steps that also each depend on the first: ~8 s here; of 200: minutes).
 * On the caller's thread that call stops everything else: in a dispatcher, whose dashboard lays
 * out a run's graph when a page asks, it would stop every run (timeouts, leases, heartbeats).
 * Why a deadline: a layout cannot be interrupted, only its thread ended; past the deadline the
 * thread is terminated and the caller gets `too-slow`, and draws the graph some cheaper way.
 *
 * One thread serves one layout at a time, in the order asked (src/serial-worker.ts); it is made
 * on first use and does not keep the process alive.
 */

/** How long a layout may take before its thread is ended. */
export const GRAPHVIZ_DEADLINE_MS = 10_000;

export type GraphvizFormat = 'svg' | 'json0';

export type GraphvizResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'too-slow' | 'too-big' | 'failed'; message: string };

/** What crosses to the thread (graphviz-thread.ts), and back. */
export interface GraphvizRequest {
  id: number;
  dot: string;
  format: GraphvizFormat;
}
export type GraphvizReply = { id: number } & GraphvizResult;

/** The thread is made when a layout first needs it, and again after one ran late. */
const jobs = new SerialWorker<Omit<GraphvizRequest, 'id'>, GraphvizReply>(new URL('./graphviz-thread.ts', import.meta.url), GRAPHVIZ_DEADLINE_MS);

export async function renderGraphviz(dot: string, format: GraphvizFormat, deadlineMs: number = GRAPHVIZ_DEADLINE_MS): Promise<GraphvizResult> {
  return settle(await jobs.run({ dot, format }, deadlineMs), deadlineMs);
}

function settle(outcome: SerialOutcome<GraphvizReply>, deadlineMs: number): GraphvizResult {
  switch (outcome.kind) {
    case 'done': {
      const { id: _id, ...result } = outcome.result;
      return result;
    }
    case 'timed-out':
      return { ok: false, reason: 'too-slow', message: `Graphviz did not finish the layout within ${deadlineMs / 1000} s` };
    case 'crashed':
      return { ok: false, reason: 'failed', message: `the Graphviz thread stopped: ${outcome.reason}` };
    case 'closed':
      return { ok: false, reason: 'failed', message: 'the Graphviz thread was closed' };
  }
}
