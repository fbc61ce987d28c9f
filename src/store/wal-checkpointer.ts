import type { Database } from 'bun:sqlite';
import { Worker } from 'node:worker_threads';
import { WAL_AUTOCHECKPOINT_PAGES } from './sqlite-connection.ts';
import { CHECKPOINT_WORD, CHECKPOINT_WORDS, type CheckpointThreadData, type CheckpointThreadMessage } from './checkpoint-words.ts';

export interface WalCheckpointerOptions {
  /** Rows committed (journal rows and new tasks) before the thread is started. */
  startAfterRows: number;
  /** The least time between two of the thread's checkpoints. */
  minGapMs: number;
  /** WAL pages from which the thread's checkpoint makes the next commit start the WAL over. */
  restartAtPages: number;
}

/** RESTART where commits used to checkpoint: the WAL stays as big as it was without the thread. */
export const DEFAULT_CHECKPOINTER: WalCheckpointerOptions = { startAfterRows: 50_000, minGapMs: 100, restartAtPages: WAL_AUTOCHECKPOINT_PAGES };

/**
 * The main connection's automatic checkpoint once the thread runs: a backstop (~160 MB of WAL)
 * for a thread that cannot keep up, far past what it lets the WAL reach.
 */
const BACKSTOP_PAGES = 40_000;

/** How long close() waits for the thread to close its connection. */
const STOP_WAIT_MS = 5_000;

/**
 * Copies a busy store's WAL back into its database on a thread of its own.
 *
 * Why: SQLite runs the automatic checkpoint inside the COMMIT that crosses the WAL's limit, on
 * the committing (main) thread: in a 100k-task run, ~4 checkpoints of ~40 MB, about half of
 * what BEGIN and COMMIT cost that thread (measured: 430 → 200 ms with none at all). A thread
 * with its own connection does them instead. It starts only once a store has committed
 * `startAfterRows` rows, so the short-lived stores of the CLI and small runs never pay for one.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private words: Int32Array | undefined;
  private rows = 0;
  private messages = 0;
  /** Set when a thread was lost: another would most likely be lost the same way. */
  private gaveUp = false;

  constructor(
    private readonly db: Database,
    private readonly location: string,
    private readonly options: WalCheckpointerOptions,
  ) {}

  /**
   * After each commit: `rows` it wrote. Never throws: the commit has happened.
   *
   * Tells the thread once per checkpoint, not once per commit: a message wakes the thread
   * (~10–30 µs of this thread's time on the 2-core VM, and the woken thread takes a core),
   * and the thread runs at most one checkpoint per `minGapMs` whatever it is told meanwhile.
   * Measured on a 23,000-step chain, where the thread runs from the 50,000th row: the post
   * was 6.4% of the main thread's profile.
   */
  committed(rows: number): void {
    if (this.worker) {
      this.ask();
      return;
    }
    if (this.gaveUp) return;
    this.rows += rows;
    if (this.rows < this.options.startAfterRows) return;
    try {
      this.start();
    } catch {
      this.gaveUp = true;
      this.lose(this.worker);
    }
  }

  /** Checkpoints the thread has run (0 before it starts), how many of them RESTARTed, and its failures (opening the file, or a checkpoint). */
  get checkpoints(): { done: number; restarted: number; failed: number } {
    const words = this.words;
    if (!words) return { done: 0, restarted: 0, failed: 0 };
    const read = (word: number) => Atomics.load(words, word);
    return { done: read(CHECKPOINT_WORD.done), restarted: read(CHECKPOINT_WORD.restarted), failed: read(CHECKPOINT_WORD.failed) };
  }

  /** Messages the thread was sent to say the store committed (at most one per checkpoint). */
  get messagesSent(): number {
    return this.messages;
  }

  /** `waiting` for enough rows, `running`, `lost` (see lose), or `stopped` by stop(). */
  get state(): 'waiting' | 'running' | 'lost' | 'stopped' {
    if (this.worker) return 'running';
    if (this.gaveUp) return 'lost';
    return this.words ? 'stopped' : 'waiting';
  }

  /**
   * Stops the thread and waits (bounded) until it has closed its connection, so that the main
   * connection's close is the last one: SQLite then checkpoints everything and removes the WAL.
   */
  stop(): void {
    const { worker, words } = this;
    if (!worker || !words) return;
    this.worker = undefined;
    this.post('stop', worker);
    Atomics.wait(words, CHECKPOINT_WORD.closed, 0, STOP_WAIT_MS);
    void worker.terminate();
  }

  private start(): void {
    const words = new SharedArrayBuffer(CHECKPOINT_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const { minGapMs, restartAtPages } = this.options;
    const data: CheckpointThreadData = { location: this.location, words, minGapMs, restartAtPages };
    const worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), { workerData: data });
    // A store left open must not keep the process alive.
    worker.unref();
    worker.on('error', () => this.lose(worker));
    worker.on('exit', () => this.lose(worker));
    this.worker = worker;
    this.words = new Int32Array(words);
    this.db.run(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    this.ask();
  }

  /** Says the store committed, unless the thread was told so since its last checkpoint began. */
  private ask(): void {
    if (Atomics.exchange(this.words!, CHECKPOINT_WORD.asked, 1) === 1) return;
    this.messages++;
    this.post('committed');
  }

  /**
   * A thread that could not start or died (its file gone, say): commits checkpoint as they did
   * before, and no other thread is started. A thread stopped by stop() is no longer this.worker.
   */
  private lose(worker: Worker | undefined): void {
    if (worker === undefined || this.worker !== worker) return;
    this.worker = undefined;
    this.gaveUp = true;
    void worker.terminate();
    this.db.run(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  }

  private post(message: CheckpointThreadMessage, worker = this.worker): void {
    worker?.postMessage(message);
  }
}
