import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { ExecutionRequest } from '../../src/execution.ts';
import { PostCounter, type SpinStats } from './idle-spin.ts';
import { decodeThreadMessage, encodeThreadMessage, type MainToThreadMessage, type ServeCall, type ThreadReport } from './thread-protocol.ts';

/**
 * The main thread's end of one worker thread's `serve` call (see thread-protocol.ts): its
 * port, the keys it holds (sent and not yet reported ended), and a way to terminate it.
 * A terminated or crashed thread rejects its call; `onLost` then gets the keys it held, and
 * the node serves a replacement.
 */
export class ServedThread {
  /** Keys sent to this thread whose outcome has not come back, with their slots in `begun`. */
  private readonly slots = new Map<string, number>();
  /** The keys it holds, with their slots: `run` adds them, `release` takes each off. */
  readonly held: ReadonlyMap<string, number> = this.slots;
  /** The thread's marks (ServeCall.begun) and the slots not given to a held key. */
  private readonly begun: Int32Array;
  private readonly freeSlots: number[];
  /** Settles when the call has ended, by `close`, by force or by the thread's death. */
  readonly ended: Promise<void>;
  /** How many of `held` the thread reported started (the rest wait on the thread). */
  running = 0;
  /** Whether the thread has reported anything (it sends an empty report as it begins to serve): see ThreadRestarts. */
  reported = false;
  /** Keys reported started in an early report (ThreadReport.early), whose quickness its next report tells. */
  readonly startedEarly = new Set<string>();
  private readonly port: MessagePort;
  private readonly controller = new AbortController();
  private readonly posted = new PostCounter();
  private lost = false;

  /**
   * `maxHeld`: the most requests the node ever has on this thread at once (a slot each in
   * `begun`; past that, a request has none and counts as begun, as all did before the marks).
   */
  constructor(
    pool: Piscina,
    channel: string,
    concurrency: number,
    maxHeld: number,
    onReport: (thread: ServedThread, report: ThreadReport) => void,
    onLost: (thread: ServedThread, err: unknown) => void,
  ) {
    const begun = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * maxHeld);
    this.begun = new Int32Array(begun);
    this.freeSlots = Array.from({ length: maxHeld }, (_, i) => maxHeld - 1 - i);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.on('message', (text: string) => {
      this.reported = true;
      this.posted.seen();
      if (!this.lost) onReport(this, decodeThreadMessage<ThreadReport>(text));
    });
    const call: ServeCall = { port: port2, channel, concurrency, posted: this.posted.buffer, begun };
    this.ended = pool.run(call, { signal: this.controller.signal, transferList: [port2] as never }).then(
      () => this.port.close(),
      (err: unknown) => {
        // Reports still queued on the port are dropped: the held keys fail as one below, and
        // an outcome that raced the death is ignored (the attempt may have run, but failed here).
        this.lost = true;
        this.port.close();
        onLost(this, err);
      },
    );
  }

  run(requests: ExecutionRequest[], keys: string[]): void {
    const slots = keys.map((key) => {
      const slot = this.freeSlots.pop() ?? -1;
      // Cleared before the post that carries it: the thread sets it only after reading that.
      if (slot >= 0) Atomics.store(this.begun, slot, 0);
      this.slots.set(key, slot);
      return slot;
    });
    this.post({ type: 'run', requests, slots });
  }

  /** `key` is off the thread (ended, handed back, or the thread lost): its slot is free again. */
  release(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    if (slot >= 0) this.freeSlots.push(slot);
  }

  /**
   * Whether code of `key`'s own began on the thread (ServeCall.begun). Read once the thread is
   * lost, it says whether the attempt may have done part of its work there.
   */
  hasBegun(key: string): boolean {
    const slot = this.slots.get(key);
    return slot === undefined || slot < 0 || Atomics.load(this.begun, slot) === 1;
  }

  /** Whether the thread may spin when it next goes idle (see PostCounter.maySpin). */
  maySpin(allowed: boolean): void {
    this.posted.maySpin(allowed);
  }

  /** How the thread's idle spins went (idle-spin.ts). */
  spinStats(): SpinStats {
    return this.posted.stats();
  }

  abort(key: string, reason: string): void {
    this.post({ type: 'abort', key, reason });
  }

  /** Asks the thread to give back the requests it has not started. */
  withdraw(): void {
    this.post({ type: 'withdraw' });
  }

  /** Asks the thread to end its call once what it holds is done. */
  close(): void {
    this.post({ type: 'close' });
  }

  /** Why the call was ended by force (terminate), for what the thread held. */
  terminatedBecause: string | null = null;

  /** Ends the call by force: piscina terminates the thread. */
  terminate(reason: string): void {
    this.terminatedBecause ??= reason;
    this.controller.abort(new Error(reason));
  }

  private post(message: MainToThreadMessage): void {
    if (this.lost) return;
    this.port.postMessage(encodeThreadMessage(message));
    this.posted.bump();
  }
}
