import type { ExecutionRequest } from '../../src/execution.ts';
import type { HostServices } from './thread-protocol.ts';

/** What an internal operation gets to work with inside a worker thread. */
export interface OperationContext {
  request: ExecutionRequest;
  /** `attemptKey(request)`: what host calls carry, so a node can refuse those of an ended attempt. */
  attemptKey: string;
  /** The symbol's parameters without the `operation` selector. */
  parameters: Record<string, unknown>;
  /** Aborted when the attempt times out or is cancelled; long operations must honour it. */
  signal: AbortSignal;
  /** Calls back into the main thread (state table, log), through comlink. */
  host: HostServices;
  /**
   * Marks, without a message, that code of this attempt's own is about to run (ServeCall.begun):
   * if its thread is terminated from then on, the attempt fails with it (it may have done part
   * of its work); before, it runs again on another thread. The module operation calls it just
   * before the module's function; every other operation has it called before it runs.
   */
  began: () => void;
  /**
   * Tells the main thread now that this attempt started, instead of at the end of the thread's
   * turn. Called before user code runs: code that never yields (a busy loop) would otherwise
   * keep the main thread from learning that this attempt started, so it would end as never
   * started instead of timing out.
   */
  reportNow: () => void;
  /**
   * The same in a microtask: before any code that runs after an `await`, and one message for
   * all the requests of the turn that ask, instead of one each.
   */
  reportSoon: () => void;
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
