import { summarizeRows, type RowsSummary } from '../../journal-view.ts';
import { rowsForClients } from './rows-for-clients.ts';
import { JournalTail } from '../../store/bulk-journal-reader.ts';
import type { Interruption } from '../../interruption.ts';
import type { SwarmStore, TransitionRecord } from '../../store/types.ts';
import { InterruptionWatch } from './interruption-watch.ts';

/**
 * Pushes journal rows to the dashboard's live sockets. Each client names the runs it watches
 * with the last seq it has; when a commit touches one of them (`notify`, called after the
 * commit is durable) the hub reads that run's rows after the client's seq — the store's own
 * `getTransitions(runId, {afterSeq})` — and sends them. Nothing is buffered per client: a client
 * that reconnects says where it was and gets the rest, so the socket is resumable and the page
 * never polls. Bursts of group commits are coalesced into one read per client and run.
 *
 * A client may watch a run's states instead of its rows (`summarized`): it then gets what the
 * rows since its seq do to each task (journal-view.ts `summarizeRows`), one small message per
 * read instead of every row — what the dashboard's run page asks for, since a 100k-task run
 * writes half a million rows it would otherwise receive and the dispatcher encode.
 *
 * What a client lacks goes out a page at a time, a few pages per turn of the event loop, and
 * only while its socket takes them: a client far behind (a 5k-task run's 25k rows), many
 * `watch` requests at once, or a client that does not read, must never hold the dispatcher's
 * loop (its workers' heartbeats and leases are served there). A page the socket drops is sent
 * again when the socket has drained, so a slow reader is slowed down, never skipped.
 */

/** What a socket did with a message (Bun's `ws.send` status, named). */
export type SendResult = 'sent' | 'backpressure' | 'dropped';

export interface LiveClient {
  /** `backpressure`: queued, but the socket's buffer is full; `dropped`: not queued. */
  send(text: string): SendResult;
  /** Run id → the last seq this client has. */
  readonly watching: Map<string, number>;
  /** Runs watched as summaries of their rows, not the rows. */
  readonly summarized: Set<string>;
  /** Whether it wants a `runs` message when the runs list changed. */
  wantsRuns: boolean;
}

export type LiveMessage =
  | { type: 'rows'; runId: string; rows: TransitionRecord[] }
  | { type: 'states'; runId: string; summary: RowsSummary }
  | { type: 'runs' }
  /** The run was interrupted (why), or taken up again (null): interruption-watch.ts. */
  | { type: 'run'; runId: string; interruption: Interruption | null }
  | { type: 'error'; code: string; message: string };

/** Rows per message; a client far behind gets several. */
const PAGE = 500;
/** Rows per summary: a summary is small whatever it stands for. */
const SUMMARY_PAGE = 20_000;
/**
 * Rows read per turn of the event loop, over all clients (a summary's page counts whole): a
 * page of rows is ~1 ms to read and encode, so a turn stays within a few ms however far
 * behind the clients are.
 */
const ROWS_PER_TURN = 2_000;
/**
 * Summaries go out at most this often: a page applies them in batches anyway (run-live.ts), and
 * each read of new rows has a fixed cost that a busy run's group commits would multiply.
 */
const SUMMARY_EVERY_MS = 250;
/** How long notifications gather before the hub reads: group commits come every few ms. */
const COALESCE_MS = 20;
/**
 * At most one `runs` message this often: a busy run changes its counts at every commit, and
 * each message makes a runs page read the list again.
 */
const RUNS_EVERY_MS = 250;

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private readonly dirty = new Set<string>();
  private readonly dirtySummaries = new Set<string>();
  /** Clients with rows to send, and the runs those are of, in the order they are served. */
  private readonly owed = new Map<LiveClient, Set<string>>();
  /** Clients whose socket is full: nothing more until it has drained (`drained`). */
  private readonly full = new Set<LiveClient>();
  private summaryTimer: ReturnType<typeof setTimeout> | null = null;
  private runsChanged = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pumping: ReturnType<typeof setImmediate> | null = null;
  private runsSentAt = 0;

  private readonly tail: JournalTail;
  private readonly interruptions: InterruptionWatch;

  /** `lookEveryMs`: how often the runs pages show are looked at for interruptions. */
  constructor(
    private readonly store: SwarmStore,
    lookEveryMs?: number,
  ) {
    this.tail = new JournalTail(store);
    this.interruptions = new InterruptionWatch(store, () => this.clients, () => this.notify([], true), lookEveryMs);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether the store has this run (a watch of one it has not is answered as the API answers). */
  hasRun(runId: string): boolean {
    return this.store.getRunListing(runId) !== undefined;
  }

  add(client: LiveClient): void {
    this.clients.add(client);
    this.interruptions.start();
  }

  remove(client: LiveClient): void {
    this.clients.delete(client);
    this.owed.delete(client);
    this.full.delete(client);
  }

  /** Every run some client watches, with the lowest seq any of them has. */
  watched(): Map<string, number> {
    const runs = new Map<string, number>();
    for (const c of this.clients) for (const [runId, seq] of c.watching) runs.set(runId, Math.min(seq, runs.get(runId) ?? seq));
    return runs;
  }

  /** Starts (or moves) a watch; what the client lacks goes out from the next turn on. */
  watch(client: LiveClient, runId: string, afterSeq: number, summarized = false): void {
    client.watching.set(runId, afterSeq);
    if (summarized) client.summarized.add(runId);
    else client.summarized.delete(runId);
    this.owe(client, runId);
    this.interruptions.watched(client, runId);
  }

  unwatch(client: LiveClient, runId: string): void {
    client.watching.delete(runId);
    client.summarized.delete(runId);
    this.owed.get(client)?.delete(runId);
  }

  /** The client's socket has sent what it had queued: what it is owed goes on. */
  drained(client: LiveClient): void {
    if (!this.full.delete(client)) return;
    if (this.owed.has(client)) this.schedulePump();
  }

  /** Called after a commit: these runs have new rows; `runsChanged` when a run was created or changed status. */
  notify(runIds: Iterable<string>, runsChanged: boolean): void {
    if (this.clients.size === 0) return;
    for (const id of runIds) this.dirty.add(id);
    this.runsChanged ||= runsChanged;
    this.timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
    if (this.pumping) clearImmediate(this.pumping);
    this.timer = null;
    this.summaryTimer = null;
    this.pumping = null;
    this.interruptions.stop();
    this.clients.clear();
    this.owed.clear();
    this.full.clear();
    this.tail.close();
  }

  private flush(): void {
    this.timer = null;
    const dirty = [...this.dirty];
    this.dirty.clear();
    const wait = this.runsSentAt + RUNS_EVERY_MS - Date.now();
    const runsChanged = this.runsChanged && wait <= 0;
    if (runsChanged) {
      this.runsChanged = false;
      this.runsSentAt = Date.now();
    } else if (this.runsChanged) {
      this.timer = setTimeout(() => this.flush(), wait);
    }
    for (const client of this.clients) {
      for (const runId of dirty) {
        if (!client.watching.has(runId)) continue;
        if (client.summarized.has(runId)) this.dirtySummaries.add(runId);
        else this.owe(client, runId);
      }
      // Small, and sent again at the next change if the socket drops it.
      if (runsChanged && client.wantsRuns) client.send(JSON.stringify({ type: 'runs' } satisfies LiveMessage));
    }
    if (this.dirtySummaries.size > 0) this.summaryTimer ??= setTimeout(() => this.flushSummaries(), SUMMARY_EVERY_MS);
  }

  private flushSummaries(): void {
    this.summaryTimer = null;
    const dirty = [...this.dirtySummaries];
    this.dirtySummaries.clear();
    for (const client of this.clients) for (const runId of dirty) if (client.summarized.has(runId)) this.owe(client, runId);
  }

  private owe(client: LiveClient, runId: string): void {
    let runs = this.owed.get(client);
    if (runs === undefined) this.owed.set(client, (runs = new Set()));
    runs.add(runId);
    if (!this.full.has(client)) this.schedulePump();
  }

  private schedulePump(): void {
    this.pumping ??= setImmediate(() => this.pump());
  }

  /**
   * One turn's pages: a page for each client and run owed, in turn, until ROWS_PER_TURN rows
   * were read; the rest in the next turn. A client served goes to the back of the line.
   */
  private pump(): void {
    this.pumping = null;
    let budget = ROWS_PER_TURN;
    for (const [client, runs] of [...this.owed]) {
      if (budget <= 0) break;
      if (this.full.has(client)) continue;
      for (const runId of [...runs]) {
        const { read, done } = this.sendPage(client, runId);
        budget -= read;
        if (done) runs.delete(runId);
        if (budget <= 0 || this.full.has(client)) break;
      }
      this.owed.delete(client);
      if (runs.size > 0) this.owed.set(client, runs);
    }
    for (const client of this.owed.keys()) {
      if (this.full.has(client)) continue;
      this.schedulePump();
      return;
    }
  }

  /** Sends the client its next page of the run: how many rows were read, and whether it is up to date. */
  private sendPage(client: LiveClient, runId: string): { read: number; done: boolean } {
    const afterSeq = client.watching.get(runId);
    if (afterSeq === undefined) return { read: 0, done: true };
    const summarized = client.summarized.has(runId);
    const page = summarized ? SUMMARY_PAGE : PAGE;
    const rows = this.tail.after(runId, afterSeq, page);
    if (rows.length === 0) return { read: 0, done: true };
    const message: LiveMessage = summarized ? { type: 'states', runId, summary: summarizeRows(rows) } : { type: 'rows', runId, rows: rowsForClients(rows) };
    const sent = client.send(JSON.stringify(message));
    // A dropped page is read again once the socket has drained; a queued one counts as had.
    if (sent !== 'dropped') client.watching.set(runId, rows[rows.length - 1].seq);
    if (sent !== 'sent') this.full.add(client);
    return { read: rows.length, done: sent !== 'dropped' && rows.length < page };
  }
}
