import type { ExecutionRequest } from '../../src/execution.ts';
import type { HostServices } from './thread-protocol.ts';

/** What an internal operation gets to work with inside a worker thread. */
export interface OperationContext {
  request: ExecutionRequest;
  /** The symbol's parameters without the `operation` selector. */
  parameters: Record<string, unknown>;
  /** Aborted when the attempt times out or is cancelled; long operations must honour it. */
  signal: AbortSignal;
  /** Calls back into the main thread (state table, log), through comlink. */
  host: HostServices;
  /**
   * Sends the thread's report (what started, what ended) now instead of at the end of the
   * thread's turn. Called before user code runs: code that never yields (a busy loop) would
   * otherwise keep the main thread from learning that this attempt started, so the attempt
   * would end as never started instead of timing out, and so would the others in that report.
   */
  reportNow: () => void;
}

export type Operation = (ctx: OperationContext) => unknown | Promise<unknown>;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
