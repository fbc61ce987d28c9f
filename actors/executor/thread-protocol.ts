import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';

/**
 * The protocol between the local node (main thread) and its piscina worker threads.
 *
 * One piscina call carries a batch of execution requests, and the thread starts them all at
 * once. If every one of them is done within the thread's current turn (noop, echo, a quick
 * module), the outcomes come back as the call's result: the fastest path there is (~25 µs a
 * round trip, against ~60 µs through a channel). Otherwise the outcomes known so far, and
 * each later one as it completes, are posted on the pool's BroadcastChannel (outcomes that
 * complete in the same tick share one message), so a slow request never holds back a fast
 * one of the same batch; the call then resolves empty once the last one is done. Keeping the
 * call open that long is what lets the main thread terminate the thread (abort the call)
 * when an attempt will not stop, and learn of a thread's death (the call rejects, and every
 * request of the batch that has not reported fails).
 *
 * Why batches: a piscina call costs ~25 µs of main-thread time, more than everything else a
 * trivial task needs (measured on 2 cores: 1 request per call ≈ 40k/s, 16 ≈ 500k/s).
 * Why one BroadcastChannel per pool and not a MessagePort per call: transferring a port with
 * every call cost ~80 µs in Bun, which undid the batching.
 * Why comlink for host services only: outcomes and aborts are high-volume one-way posts,
 * while state-table and log calls are request/response, where comlink's proxy spares us an
 * RPC layer. Comlink's `expose` ignores message types it does not know, so it shares the
 * channel; every thread sees every message and keeps only what names its own attempts.
 */
export interface BatchCall {
  /** Name of the pool's BroadcastChannel. */
  channel: string;
  requests: ExecutionRequest[];
}

/** What a batch call resolves to: the outcomes not already posted on the channel. */
export interface BatchResult {
  outcomes: { key: string; outcome: ExecutionOutcome }[];
}

/** Main thread → worker threads (every thread receives it; the one running `key` acts). */
export type MainToThreadMessage = { type: 'abort'; key: string; reason: string };

/** Worker thread → main thread. */
export type ThreadToMainMessage = { type: 'outcomes'; outcomes: { key: string; outcome: ExecutionOutcome }[] };

/** Calls a worker thread makes back into the main thread, through comlink. */
export interface HostServices {
  stateGet(key: string): unknown;
  stateSet(key: string, value: unknown): void;
  log(level: 'error' | 'warn' | 'info' | 'debug' | 'verbose', message: string, fields: Record<string, unknown>): void;
}
