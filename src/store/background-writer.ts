import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { SwarmError } from '../errors.ts';
import { BACKGROUND_WORD, BACKGROUND_WORDS, rebuiltError, type BackgroundAnswer, type BackgroundRequest, type BackgroundThreadData } from './background-words.ts';
import type { BackgroundCommitResult, StoreBatch } from './types.ts';

/** How long stop() waits for the thread to close its connection. */
const STOP_WAIT_MS = 5_000;

/**
 * Commits a SQLite store's big batches on a thread with its own connection (see
 * background-writer-thread.ts), so the caller's thread spends only the hand-over on them.
 *
 * Why: a flat run's main thread spent ~10 µs a task inside SQLite (binding and stepping the
 * journal's rows and the task projections, BEGIN and COMMIT) out of ~28, while the machine's
 * other core was two-thirds idle. A batch crosses as one JSON text (~1 µs a row to make, on
 * the caller's side); the thread parses it and writes it with the same SqliteStore code.
 *
 * Answers come back on a port, in order. They are read as messages in the owner's event loop,
 * or synchronously by drain(), which blocks on a shared word the thread bumps after each answer
 * (for a caller that needs everything durable before it goes on: shutdown, a sync flush).
 */
export class BackgroundWriter {
  private readonly worker: Worker;
  private readonly answers: MessagePort;
  private readonly words: Int32Array;
  private readonly waiting = new Map<number, (result: BackgroundCommitResult) => void>();
  private nextId = 1;
  /** Set when the thread is gone: every commit given after fails with it. */
  private lost: Error | null = null;

  constructor(
    private readonly location: string,
    /** Rows each landed commit wrote (for the store's checkpointer). */
    private readonly onLanded: (rows: number) => void,
  ) {
    const shared = new SharedArrayBuffer(BACKGROUND_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const data: BackgroundThreadData = { location, words: shared, answers: port2 };
    this.worker = new Worker(new URL('./background-writer-thread.ts', import.meta.url), { workerData: data, transferList: [port2] });
    this.words = new Int32Array(shared);
    this.answers = port1;
    this.answers.on('message', (answer: BackgroundAnswer) => this.settle(answer));
    // A store left open must not keep the process alive; a commit on its way does (see commit).
    this.worker.unref();
    this.answers.unref();
    this.worker.on('error', (err) => this.lose(err));
    this.worker.on('exit', () => this.lose(new Error('the background writer thread exited')));
  }

  /** Whether the thread is gone (it died, or stop() ended it): commits given now fail. */
  get isLost(): boolean {
    return this.lost !== null;
  }

  /** Throws only if the batch cannot be written as JSON; then nothing was given. */
  commit(batch: StoreBatch, done: (result: BackgroundCommitResult) => void): void {
    const text = JSON.stringify(batch);
    const id = this.nextId++;
    // Until its answer, the process stays up for it (the answers' port listens).
    if (this.waiting.size === 0) this.answers.ref();
    this.waiting.set(id, done);
    const lost = this.lost;
    // Failed when drained, or in a microtask: after the caller has noted it as given.
    if (lost) queueMicrotask(() => this.failWaiting(lost));
    else this.post({ kind: 'commit', id, batch: text });
  }

  resume(): void {
    this.post({ kind: 'resume' });
  }

  /** Blocks until every commit given has been answered (and its `done` has run); throws after `timeoutMs`. */
  drain(timeoutMs: number): void {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // Read before taking answers: one posted after the last take has moved it, and the wait
      // below then returns at once.
      const answered = Atomics.load(this.words, BACKGROUND_WORD.answered);
      for (let m = receiveMessageOnPort(this.answers); m !== undefined; m = receiveMessageOnPort(this.answers)) {
        this.settle(m.message as BackgroundAnswer);
      }
      if (this.waiting.size === 0) return;
      if (this.lost) return this.failWaiting(this.lost);
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new SwarmError(
          'STORE_UNAVAILABLE',
          `The state database's background writer for ${this.location} did not answer within ${timeoutMs} ms (${this.waiting.size} commits waiting); the disk may be stalled. Stop the dispatcher and check the disk.`,
        );
      }
      Atomics.wait(this.words, BACKGROUND_WORD.answered, answered, left);
    }
  }

  /** Drains (bounded), then closes the thread's connection and ends it. */
  stop(): void {
    if (!this.lost) {
      try {
        this.drain(STOP_WAIT_MS);
      } catch {
        // Stopping regardless: what did not land is not durable, as after a crash.
      }
      this.post({ kind: 'stop' });
      Atomics.wait(this.words, BACKGROUND_WORD.closed, 0, STOP_WAIT_MS);
      this.lost = new Error('the store is closed');
    }
    this.failWaiting(this.lost);
    this.answers.close();
    void this.worker.terminate();
  }

  private settle(answer: BackgroundAnswer): void {
    const done = this.waiting.get(answer.id);
    if (!done) return;
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) this.answers.unref();
    if (answer.ok) {
      this.onLanded(answer.rows);
      done({ ok: true, outcome: answer.outcome });
    } else {
      done({ ok: false, error: rebuiltError(answer.error), earlier: answer.earlier });
    }
  }

  private lose(err: unknown): void {
    if (this.lost) return;
    this.lost = err instanceof Error ? err : new Error(String(err));
    this.failWaiting(this.lost);
  }

  private failWaiting(err: Error): void {
    if (this.waiting.size === 0) return;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.answers.unref();
    // The first is what the thread was writing when it went; the rest were never tried.
    waiting.forEach((done, i) => done({ ok: false, error: err, earlier: i > 0 }));
  }

  private post(request: BackgroundRequest): void {
    this.worker.postMessage(request);
  }
}
