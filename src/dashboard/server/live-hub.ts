import type { SwarmStore, TransitionRecord } from '../../store/types.ts';

/**
 * Pushes journal rows to the dashboard's live sockets. Each client names the runs it watches
 * with the last seq it has; when a commit touches one of them (`notify`, called after the
 * commit is durable) the hub reads that run's rows after the client's seq — the store's own
 * `getTransitions(runId, {afterSeq})` — and sends them. Nothing is buffered per client: a client
 * that reconnects says where it was and gets the rest, so the socket is resumable and the page
 * never polls. Bursts of group commits are coalesced into one read per client and run.
 */

export interface LiveClient {
  send(text: string): void;
  /** Run id → the last seq this client has. */
  readonly watching: Map<string, number>;
  /** Whether it wants a `runs` message when the runs list changed. */
  wantsRuns: boolean;
}

export type LiveMessage =
  | { type: 'rows'; runId: string; rows: TransitionRecord[] }
  | { type: 'runs' }
  | { type: 'error'; code: string; message: string };

/** Rows per message; a client far behind gets several. */
const PAGE = 500;
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
  private runsChanged = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private runsSentAt = 0;

  constructor(private readonly store: SwarmStore) {}

  get size(): number {
    return this.clients.size;
  }

  add(client: LiveClient): void {
    this.clients.add(client);
  }

  remove(client: LiveClient): void {
    this.clients.delete(client);
  }

  /** Every run some client watches, with the lowest seq any of them has. */
  watched(): Map<string, number> {
    const runs = new Map<string, number>();
    for (const c of this.clients) for (const [runId, seq] of c.watching) runs.set(runId, Math.min(seq, runs.get(runId) ?? seq));
    return runs;
  }

  /** Starts (or moves) a watch and sends what the client lacks at once. */
  watch(client: LiveClient, runId: string, afterSeq: number): void {
    client.watching.set(runId, afterSeq);
    this.push(client, runId);
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
    this.timer = null;
    this.clients.clear();
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
      for (const runId of dirty) if (client.watching.has(runId)) this.push(client, runId);
      if (runsChanged && client.wantsRuns) client.send(JSON.stringify({ type: 'runs' } satisfies LiveMessage));
    }
  }

  private push(client: LiveClient, runId: string): void {
    for (;;) {
      const afterSeq = client.watching.get(runId);
      if (afterSeq === undefined) return;
      const rows = this.store.getTransitions(runId, { afterSeq, limit: PAGE });
      if (rows.length === 0) return;
      client.watching.set(runId, rows[rows.length - 1].seq);
      client.send(JSON.stringify({ type: 'rows', runId, rows } satisfies LiveMessage));
      if (rows.length < PAGE) return;
    }
  }
}
