import type { Database } from 'bun:sqlite';
import { Worker } from 'node:worker_threads';
import { WAL_AUTOCHECKPOINT_PAGES } from './sqlite-connection.ts';
import { CHECKPOINT_WORD, CHECKPOINT_WORDS, type CheckpointThreadData, type CheckpointThreadMessage } from './checkpoint-words.ts';

export interface WalCheckpointerOptions {
  /** Rows committed (journal rows and new tasks) before the thread is started. */
  startAfterRows: number;
  /** The least time between two of the thread's checkpoints. */
  minGapMs: number;
}

export const DEFAULT_CHECKPOINTER: WalCheckpointerOptions = { startAfterRows: 50_000, minGapMs: 100 };

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

  constructor(
    private readonly db: Database,
    private readonly location: string,
    private readonly options: WalCheckpointerOptions = DEFAULT_CHECKPOINTER,
  ) {}

  /** After each commit: `rows` it wrote. */
  committed(rows: number): void {
    if (this.worker) {
      this.post('committed');
      return;
    }
    this.rows += rows;
    if (this.rows >= this.options.startAfterRows) this.start();
  }

  /** Checkpoints the thread has run (0 before it starts). */
  get checkpoints(): number {
    return this.words ? Atomics.load(this.words, CHECKPOINT_WORD.done) : 0;
  }

  get running(): boolean {
    return this.worker !== undefined;
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
    const data: CheckpointThreadData = { location: this.location, words, minGapMs: this.options.minGapMs };
    const worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), { workerData: data });
    // A store left open must not keep the process alive.
    worker.unref();
    // A thread that could not start or died (its file gone, say): commits checkpoint as before.
    const lost = () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.db.run(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    this.words = new Int32Array(words);
    this.db.run(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    this.post('committed');
  }

  private post(message: CheckpointThreadMessage, worker = this.worker): void {
    worker?.postMessage(message);
  }
}
