import type { Clock } from '../../src/clock.ts';
import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';
import { mayGiveBack, type AttemptSink } from '../node-runtime.ts';
import type { ServedThread } from './served-thread.ts';

/** A request waiting on the local node for room on a thread. */
export interface PendingRequest {
  request: ExecutionRequest;
  sink: AttemptSink;
  /** Whether it was already taken back from a lost thread once (see LocalThreadNode.onThreadLost). */
  rescued?: boolean;
  /**
   * Reported started on a thread since lost, where none of its own code ran: its sink and the
   * node actor heard of its start then, and must not again (see LocalThreadNode.onThreadLost).
   */
  startedBefore?: boolean;
}

/** A request sent to a thread, until its outcome arrives or the thread hands it back. */
export interface InFlightRequest extends PendingRequest {
  thread: ServedThread;
  /** Whether its thread reported it started (with `startedBefore`: whether the node actor counts it). */
  started: boolean;
  /** Set once an abort was asked for: the timer that terminates the thread if it does not stop. */
  abortTimer: unknown;
}

/**
 * The local node's requests on its threads, by attempt key, and which of them a give-back
 * asked for. Each change keeps the thread's own counts (`held`, `running`) in step with the
 * table, so the node never updates one without the other.
 */
export class InFlightRequests {
  private readonly byKey = new Map<string, InFlightRequest>();
  /** Requests on threads that `markGivingBack` asked for: they leave through their sinks' `returned`. */
  private readonly givingBack = new Set<string>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): InFlightRequest | undefined {
    return this.byKey.get(key);
  }

  values(): IterableIterator<InFlightRequest> {
    return this.byKey.values();
  }

  /** `pending` was sent to `thread` (which already holds `key`). */
  sent(key: string, pending: PendingRequest, thread: ServedThread): void {
    this.byKey.set(key, { ...pending, thread, started: false, abortTimer: null });
  }

  /** The thread reported `key` started: it runs there, even if a give-back asked for it. */
  started(key: string): InFlightRequest | undefined {
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    entry.started = true;
    this.givingBack.delete(key);
    entry.thread.running++;
    return entry;
  }

  /** Marks every unstarted, unaborted run request for giving back once its thread returns it. */
  markGivingBack(): void {
    for (const [key, entry] of this.byKey) {
      if (!entry.started && !entry.startedBefore && entry.abortTimer === null && mayGiveBack(entry.request, entry.sink)) this.givingBack.add(key);
    }
  }

  /**
   * Takes `key` out of the table and off its thread, unstarted (its thread handed it back or
   * died). `given` says whether a give-back asked for it, so it goes back through its sink.
   */
  takeOut(key: string): { entry: InFlightRequest; given: boolean } | undefined {
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    this.byKey.delete(key);
    entry.thread.release(key);
    return { entry, given: this.givingBack.delete(key) };
  }

  /** `key` ended with `outcome`: off its thread, its abort timer cleared, its sink told. */
  finish(key: string, entry: InFlightRequest, outcome: ExecutionOutcome): void {
    this.byKey.delete(key);
    this.givingBack.delete(key);
    entry.thread.release(key);
    if (entry.started) entry.thread.running--;
    this.clearAbortTimer(entry);
    entry.sink.finished(outcome);
  }

  clearAbortTimer(entry: InFlightRequest): void {
    if (entry.abortTimer !== null) this.clock.clearTimeout(entry.abortTimer);
  }
}
