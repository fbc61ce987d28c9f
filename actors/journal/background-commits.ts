import type { BackgroundCommitResult, StoreBatch, SwarmStore } from '../../src/store/types.ts';

/** Background commits in flight at once; what is recorded meanwhile waits and joins the next. */
const BACKGROUND_IN_FLIGHT = 2;
/** How long a flush that must be durable when it returns waits for the background commits before it. */
const BACKGROUND_DRAIN_MS = 30_000;

/** Told when what was recorded before `flushThen` is durable, or that its commit was refused. */
export interface DurableWaiter {
  durable(): void;
  /** The commit was refused: nothing of it is durable, and the recorder has failed (see `error`). */
  refused(): void;
}

interface InFlightCommit {
  batch: StoreBatch;
  then: DurableWaiter[];
}

/**
 * A journal recorder's commits given to the store's background writer (SQLite on a file: a
 * thread with its own connection) and not answered yet, oldest first, and the ones it refused,
 * kept to be sent again. The recorder decides what to send and when (journal-recorder.ts);
 * this keeps the order and the count.
 *
 * The writer answers in the order it was given commits, and after a refusal it refuses every
 * later one unwritten, so the refused batches, oldest first, are exactly what must be sent
 * again, in that order, before anything new.
 */
export class BackgroundCommits {
  private inFlight: InFlightCommit[] = [];
  private refused: StoreBatch[] = [];
  /** True while `drain` waits: a commit landing then must not send the next one. */
  private isDraining = false;

  constructor(
    private readonly store: SwarmStore,
    /** A commit was answered (after it left the in-flight list; a refused batch is kept). */
    private readonly onLanded: (then: DurableWaiter[], result: BackgroundCommitResult) => void,
  ) {}

  /** Whether the store has a background writer now (it falls back to none if its thread is lost). */
  get available(): boolean {
    const store = this.store;
    return store.backgroundCommits === true && store.commitInBackground !== undefined && store.drainBackground !== undefined;
  }

  /** Commits given and not answered yet. */
  get pending(): number {
    return this.inFlight.length;
  }

  /** No room for another commit in flight (back-pressure). */
  get full(): boolean {
    return this.inFlight.length >= BACKGROUND_IN_FLIGHT;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  /** Tells `then` when the newest commit in flight lands; false when none is in flight. */
  joinNewest(then: readonly DurableWaiter[]): boolean {
    const newest = this.inFlight.at(-1);
    if (newest === undefined) return false;
    newest.then.push(...then);
    return true;
  }

  /** Gives `batch` to the writer; `then` hear when it lands. Throws if the store does not take it (kept as refused). */
  send(batch: StoreBatch, then: DurableWaiter[]): void {
    const commit: InFlightCommit = { batch, then };
    this.inFlight.push(commit);
    try {
      this.store.commitInBackground!(batch, (result) => this.landed(commit, result));
    } catch (err) {
      // Not given (the store closed, or a value JSON cannot write): kept, as a refused commit is.
      this.inFlight.pop();
      this.refused.push(batch);
      throw err;
    }
  }

  /**
   * Gives the commits in flight the time to land (their answers are handled meanwhile). Returns
   * null when all did; else why not (one still unanswered: the thread stalled), and nothing may
   * be written after it on this connection.
   */
  drain(): unknown {
    if (this.inFlight.length === 0) return null;
    let stalled: unknown = null;
    this.isDraining = true;
    try {
      this.store.drainBackground!(BACKGROUND_DRAIN_MS);
    } catch (err) {
      stalled = err;
    } finally {
      this.isDraining = false;
    }
    if (stalled === null && this.inFlight.length > 0) stalled = new Error(`${this.inFlight.length} background commits did not land`);
    return stalled;
  }

  /** The refused batches, oldest first, handed over to be sent again; `keepRefused` takes back those not sent. */
  takeRefused(): StoreBatch[] {
    const refused = this.refused;
    this.refused = [];
    return refused;
  }

  keepRefused(batches: StoreBatch[]): void {
    this.refused = batches;
  }

  private landed(commit: InFlightCommit, result: BackgroundCommitResult): void {
    // Answers come in the order the commits were sent.
    if (this.inFlight[0] === commit) this.inFlight.shift();
    else this.inFlight = this.inFlight.filter((c) => c !== commit);
    if (!result.ok) this.refused.push(commit.batch);
    this.onLanded(commit.then, result);
  }
}
