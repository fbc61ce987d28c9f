import type { ServerWebSocket, WebSocketHandler } from 'bun';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.ts';
import type { LiveClient, LiveHub, LiveMessage, SendResult } from './live-hub.ts';

/**
 * The dashboard's `/api/live` WebSocket (upgraded in the server's fetch after the host and
 * token checks). The page says what it wants; the hub pushes rows:
 *   → {type: "watch", runId, afterSeq, view?: "rows" | "states"}   rows of that run after
 *        that seq, then as they commit; with `view: "states"`, a summary of what they did
 *        to each task instead (journal-view.ts)
 *   → {type: "unwatch", runId}
 *   → {type: "runs"}                     a `runs` message whenever the runs list changes
 *   ← {type: "rows", runId, rows} | {type: "states", runId, summary} | {type: "runs"}
 *     | {type: "run", runId, interruption}   a watched run was interrupted ("dead", "expired",
 *        "unowned"), or taken up again (null)
 *     | {type: "error", code, message}
 * Read-only: nothing a client sends changes anything but its own subscriptions.
 */

export interface LiveConnection {
  live: LiveClient;
  malformed: number;
}

const MALFORMED_LIMIT = 3;
/** A page watches one run at a time; a few spare for several tabs' worth of one client. */
const MAX_WATCHED = 16;
const MAX_FRAME = 4096;

const request = z.discriminatedUnion('type', [
  z.object({ type: z.literal('watch'), runId: z.string().min(1).max(200), afterSeq: z.number().int().min(0), view: z.enum(['rows', 'states']).optional() }),
  z.object({ type: z.literal('unwatch'), runId: z.string().min(1).max(200) }),
  z.object({ type: z.literal('runs') }),
]);

export function newLiveConnection(): LiveConnection {
  return { live: { send: () => 'dropped', watching: new Map(), summarized: new Set(), wantsRuns: false }, malformed: 0 };
}

/** Bun's `ws.send` status: bytes sent, -1 queued past the buffer's mark, 0 dropped. */
function sendResult(status: number): SendResult {
  return status > 0 ? 'sent' : status === -1 ? 'backpressure' : 'dropped';
}

export function liveSocketHandlers(hub: LiveHub): WebSocketHandler<LiveConnection> {
  const answer = (ws: ServerWebSocket<LiveConnection>, code: string, message: string) => {
    ws.send(JSON.stringify({ type: 'error', code, message } satisfies LiveMessage));
  };
  const refuse = (ws: ServerWebSocket<LiveConnection>, code: string, message: string) => {
    answer(ws, code, message);
    if (++ws.data.malformed >= MALFORMED_LIMIT) ws.close(1008, 'too many bad messages');
  };
  return {
    maxPayloadLength: MAX_FRAME,
    open(ws) {
      ws.data.live.send = (text) => sendResult(ws.send(text));
      hub.add(ws.data.live);
    },
    drain(ws) {
      hub.drained(ws.data.live);
    },
    message(ws, data) {
      let parsed: z.infer<typeof request>;
      // The server's limit is the workers' (max_message_size); a page's requests are tiny.
      if (String(data).length > MAX_FRAME) return refuse(ws, 'MESSAGE_TOO_LARGE', `messages are at most ${MAX_FRAME} bytes`);
      try {
        const result = request.safeParse(JSON.parse(String(data)));
        if (!result.success) return refuse(ws, 'BAD_MESSAGE', 'expected {type: "watch", runId, afterSeq, view?}, {type: "unwatch", runId} or {type: "runs"}');
        parsed = result.data;
      } catch {
        return refuse(ws, 'BAD_MESSAGE', 'messages are JSON');
      }
      const client = ws.data.live;
      if (parsed.type === 'runs') client.wantsRuns = true;
      else if (parsed.type === 'unwatch') hub.unwatch(client, parsed.runId);
      else if (!client.watching.has(parsed.runId) && client.watching.size >= MAX_WATCHED) refuse(ws, 'TOO_MANY_WATCHES', `at most ${MAX_WATCHED} runs per socket`);
      // Well formed, so not counted as a bad message (a page may name a run pruned since): said as the API says it.
      else if (!hub.hasRun(parsed.runId)) {
        const error = new RunNotFoundError(parsed.runId);
        answer(ws, error.code, error.message);
      } else hub.watch(client, parsed.runId, parsed.afterSeq, parsed.view === 'states');
    },
    close(ws) {
      hub.remove(ws.data.live);
    },
  };
}

/**
 * One `websocket` option for a server that has two kinds of socket (Bun.serve takes one
 * handler set): each call goes to the handlers of the socket's kind, told apart by its data.
 */
export function combineSocketHandlers<W extends object>(workers: WebSocketHandler<W>, live: WebSocketHandler<LiveConnection>): WebSocketHandler<W | LiveConnection> {
  type Any = ServerWebSocket<W | LiveConnection>;
  const isLive = (ws: Any): ws is ServerWebSocket<LiveConnection> => 'live' in (ws.data as object);
  const asWorker = (ws: Any) => ws as unknown as ServerWebSocket<W>;
  return {
    // The larger limit: worker frames may be up to max_message_size; live frames are checked small.
    maxPayloadLength: Math.max(workers.maxPayloadLength ?? 0, live.maxPayloadLength ?? 0) || undefined,
    open: (ws) => (isLive(ws) ? live.open?.(ws) : workers.open?.(asWorker(ws))),
    message: (ws, data) => (isLive(ws) ? live.message?.(ws, data) : workers.message?.(asWorker(ws), data)),
    close: (ws, code, reason) => (isLive(ws) ? live.close?.(ws, code, reason) : workers.close?.(asWorker(ws), code, reason)),
    drain: (ws) => (isLive(ws) ? live.drain?.(ws) : workers.drain?.(asWorker(ws))),
  };
}
