import type { RowsSummary } from '../../journal-view.ts';
import type { Interruption } from '../../interruption.ts';

/**
 * The page's one WebSocket to `/api/live`. The server pushes, after each commit, what the new
 * journal rows of the watched run did to its tasks (a summary, not the rows: `view: "states"`),
 * a `run` message when the watched run is interrupted or taken up again, and a `runs` message
 * when the runs list changes: the page never polls.
 * After a drop it reconnects (with a growing delay) and asks again from the last seq it has,
 * so nothing is missed or doubled.
 */

type SummaryListener = (summary: RowsSummary) => void;
/** Why the watched run is interrupted now, or null when it was taken up again. */
type InterruptionListener = (why: Interruption | null) => void;

export class LiveSocket {
  private socket: WebSocket | null = null;
  private watching: { runId: string; afterSeq: number; onSummary: SummaryListener; onInterruption: InterruptionListener } | null = null;
  private onRuns: (() => void) | null = null;
  private retryMs = 250;
  private statusListener: (connected: boolean) => void = () => {};

  constructor() {
    this.connect();
  }

  onStatus(listener: (connected: boolean) => void): void {
    this.statusListener = listener;
  }

  watch(runId: string, afterSeq: number, onSummary: SummaryListener, onInterruption: InterruptionListener = () => {}): () => void {
    const watching = { runId, afterSeq, onSummary, onInterruption };
    this.watching = watching;
    this.send({ type: 'watch', runId, afterSeq, view: 'states' });
    return () => {
      if (this.watching !== watching) return;
      this.watching = null;
      this.send({ type: 'unwatch', runId });
    };
  }

  watchRuns(onRuns: () => void): () => void {
    this.onRuns = onRuns;
    this.send({ type: 'runs' });
    return () => {
      if (this.onRuns === onRuns) this.onRuns = null;
    };
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/live`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 250;
      this.statusListener(true);
      if (this.watching) this.send({ type: 'watch', runId: this.watching.runId, afterSeq: this.watching.afterSeq, view: 'states' });
      if (this.onRuns) this.send({ type: 'runs' });
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { type: string; runId?: string; summary?: RowsSummary; interruption?: Interruption | null };
      if (message.type === 'states' && this.watching && message.runId === this.watching.runId && message.summary) {
        // A summary the page already has (sent again around a reconnect) is dropped whole.
        if (message.summary.lastSeq <= this.watching.afterSeq) return;
        this.watching.afterSeq = message.summary.lastSeq;
        this.watching.onSummary(message.summary);
      } else if (message.type === 'run' && this.watching && message.runId === this.watching.runId) {
        this.watching.onInterruption(message.interruption ?? null);
      } else if (message.type === 'runs') {
        this.onRuns?.();
      }
    };
    socket.onclose = () => {
      this.statusListener(false);
      this.socket = null;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }
}

let shared: LiveSocket | undefined;
export const liveSocket = () => (shared ??= new LiveSocket());
