import type { MessagePort } from 'node:worker_threads';
import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';

/**
 * The protocol between the local node (main thread) and its worker threads.
 *
 * Each thread runs one piscina call for as long as it lives: `serve` (thread-entry.ts), given
 * a MessagePort of its own. Requests, aborts and the final `close` go down that port; what
 * started and what finished comes back up it. A thread runs at most `concurrency` requests at
 * once and queues the rest in arrival order, so the main thread may hand it the next requests
 * before the current ones end: the thread never idles waiting for the main thread, and one
 * message carries the work of a whole loop turn.
 *
 * Why one long call, not a call per batch: a call that carries an AbortSignal (ours does, so a
 * thread stuck in synchronous code can be terminated) has its thread to itself in piscina, so
 * with a call per batch a thread's slots came free only when its whole batch had ended, and
 * each call woke an idle thread (~50 µs of main thread a call, measured in the flat bench).
 * Why a port per thread, not a BroadcastChannel: requests go to one thread; the port is
 * transferred once per thread life (~80 µs), not per call. Aborting the call terminates the
 * thread (piscina starts another; the node gives it a new `serve`).
 *
 * Host services (state table, log) are request/response calls a request makes into the main
 * thread; they go through comlink on the pool's BroadcastChannel, which spares an RPC layer.
 */
export interface ServeCall {
  /** This thread's end of its port (transferred with the call). */
  port: MessagePort;
  /** Name of the pool's BroadcastChannel for host services. */
  channel: string;
  /** Requests run at once; the rest wait on the thread in arrival order. */
  concurrency: number;
  /** The count of messages posted on the port, bumped by the main thread after each (idle-spin.ts). */
  posted: SharedArrayBuffer;
  /**
   * An Int32Array of marks, one per slot the main thread gives a request (`run`'s `slots`): the
   * thread sets a request's mark to 1 just before code of that attempt's own runs. A thread
   * stuck in code that never yields sends no message again, but these the main thread can
   * still read once it has terminated the thread: a request reported started whose mark is
   * not set never ran a line of its own there (see LocalThreadNode.onThreadLost).
   */
  begun: SharedArrayBuffer;
}

/**
 * Messages cross a port as JSON text, both ways. Why: a structured clone of a request or a
 * report costs more on the sending and the receiving side than JSON.stringify and JSON.parse
 * of it (the main thread's CPU per round trip of one request and its report, measured between
 * two Bun threads: 10 µs cloned, 6.5 µs as text; the post alone 10–17 µs against 7–11). What
 * travels is JSON data anyway: parameters come from a manifest stored as JSON, dependencies'
 * outputs and reports' outputs are checked and normalized to JSON where they are made
 * (src/task-output.ts).
 */
export function encodeThreadMessage(message: MainToThreadMessage | ThreadReport): string {
  return JSON.stringify(message);
}

export function decodeThreadMessage<T extends MainToThreadMessage | ThreadReport>(text: string): T {
  return JSON.parse(text) as T;
}

/** Main thread → one thread, on its port. */
export type MainToThreadMessage =
  /** `slots[i]`: the index of `requests[i]`'s mark in `begun` (-1: none, counts as begun). */
  | { type: 'run'; requests: ExecutionRequest[]; slots: number[] }
  /** Stops `key`: its AbortSignal fires if it runs; if it still waits, it ends without starting. */
  | { type: 'abort'; key: string; reason: string }
  /** Gives back every request still waiting (none of them started), in `returned`. */
  | { type: 'withdraw' }
  /** No more requests: `serve` resolves once those it has are done. */
  | { type: 'close' };

/**
 * One thread → main thread, on its port: the requests that started and those that ended
 * since the last report (one message per thread turn). A request aborted while it waited
 * ends without having started.
 */
export interface ThreadReport {
  started: string[];
  outcomes: { key: string; outcome: ExecutionOutcome }[];
  /** Requests given back unstarted, after a `withdraw`. */
  returned: string[];
  /**
   * Starts only, sent before user code runs (OperationContext.reportNow), not at the end of the
   * thread's turn: a request it says started is quick if it ends by the thread's next report.
   */
  early?: true;
}

/**
 * Calls a worker thread makes back into the main thread, through comlink (host-channel.ts).
 * `attempt` is the key of the attempt that calls: once that attempt has ended, its node refuses
 * the call (attempt-host.ts).
 */
export interface HostServices {
  stateGet(key: string, attempt: string): unknown;
  stateSet(key: string, value: unknown, attempt: string): void;
  log(level: 'error' | 'warn' | 'info' | 'debug' | 'verbose', message: string, fields: Record<string, unknown>, attempt: string): void;
}
