import { Worker } from 'node:worker_threads';

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
 * One thread serves one layout at a time, in the order asked; it is made on first use and
 * does not keep the process alive.
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

let thread: Worker | null = null;
let nextId = 1;
/** The layouts asked, one after another: each waits for the one before it. */
let queue: Promise<unknown> = Promise.resolve();

export function renderGraphviz(dot: string, format: GraphvizFormat, deadlineMs: number = GRAPHVIZ_DEADLINE_MS): Promise<GraphvizResult> {
  const result = queue.then(() => renderNow(dot, format, deadlineMs));
  queue = result;
  return result;
}

function renderNow(dot: string, format: GraphvizFormat, deadlineMs: number): Promise<GraphvizResult> {
  const worker = (thread ??= startThread());
  const id = nextId++;
  return new Promise<GraphvizResult>((resolve) => {
    const done = (result: GraphvizResult) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(result);
    };
    const onMessage = (reply: GraphvizReply) => {
      if (reply.id !== id) return;
      const { id: _id, ...result } = reply;
      done(result);
    };
    const onError = (error: Error) => {
      forget(worker);
      done({ ok: false, reason: 'failed', message: error.message });
    };
    const onExit = () => {
      forget(worker);
      done({ ok: false, reason: 'failed', message: 'the Graphviz thread stopped' });
    };
    const timer = setTimeout(() => {
      forget(worker);
      void worker.terminate();
      done({ ok: false, reason: 'too-slow', message: `Graphviz did not finish the layout within ${deadlineMs / 1000} s` });
    }, deadlineMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ id, dot, format } satisfies GraphvizRequest);
  });
}

function startThread(): Worker {
  const worker = new Worker(new URL('./graphviz-thread.ts', import.meta.url));
  worker.unref();
  return worker;
}

/** The thread ended or is ending: the next layout starts a new one. */
function forget(worker: Worker): void {
  if (thread === worker) thread = null;
}
