/**
 * Jobs run one at a time on a worker thread, each with a time limit: how the dispatcher keeps
 * long synchronous work (reading a posted manifest, a Graphviz layout, a re-simulation for the
 * dashboard's time travel) off its event loop, where it would stop heartbeats, lease renewals
 * and journal commits. JavaScript cannot be interrupted, so a job past its limit ends its
 * thread; the next job starts a new one.
 *
 * The thread's script answers each message `{ id, ...job }` with one message `{ id, ...result }`.
 */

export type SerialOutcome<R> =
  | { kind: 'done'; result: R }
  | { kind: 'timed-out' }
  | { kind: 'crashed'; reason: string }
  | { kind: 'closed' };

interface Pending<J, R> {
  job: J & { id: number };
  timeLimitMs: number;
  resolve(outcome: SerialOutcome<R>): void;
}

export class SerialWorker<J extends object, R extends { id: number }> {
  private worker: Worker | null = null;
  private readonly waiting: Pending<J, R>[] = [];
  private current: { pending: Pending<J, R>; timer: ReturnType<typeof setTimeout> } | null = null;
  private nextId = 1;

  constructor(
    private readonly script: URL,
    private readonly timeLimitMs: number,
  ) {}

  /** Jobs not yet started. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `job` after those asked before it (`timeLimitMs`: this job's own); never rejects. */
  run(job: J, timeLimitMs: number = this.timeLimitMs): Promise<SerialOutcome<R>> {
    return new Promise((resolve) => {
      this.waiting.push({ job: { ...job, id: this.nextId++ }, timeLimitMs, resolve });
      this.startNext();
    });
  }

  /** Ends the thread; the job running and those waiting end `closed`. */
  close(): void {
    this.dropWorker();
    if (this.current) {
      clearTimeout(this.current.timer);
      this.current.pending.resolve({ kind: 'closed' });
      this.current = null;
    }
    for (const pending of this.waiting.splice(0)) pending.resolve({ kind: 'closed' });
  }

  private startNext(): void {
    if (this.current !== null) return;
    const pending = this.waiting.shift();
    if (pending === undefined) return;
    const worker = this.ensureWorker();
    // A job's timer keeps the process alive while it runs (the idle thread does not).
    const timer = setTimeout(() => this.end({ kind: 'timed-out' }, true), pending.timeLimitMs);
    this.current = { pending, timer };
    worker.postMessage(pending.job);
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(this.script.href);
    worker.unref();
    worker.onmessage = (event: MessageEvent<R>) => {
      // An answer to a job that timed out comes from a thread already ended: never seen here.
      if (this.current?.pending.job.id === event.data.id) this.end({ kind: 'done', result: event.data }, false);
    };
    worker.onerror = (event) => this.end({ kind: 'crashed', reason: event.message }, true);
    this.worker = worker;
    return worker;
  }

  private end(outcome: SerialOutcome<R>, dropWorker: boolean): void {
    if (dropWorker) this.dropWorker();
    const current = this.current;
    this.current = null;
    if (current !== null) {
      clearTimeout(current.timer);
      current.pending.resolve(outcome);
    }
    this.startNext();
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
