import type { ServerWebSocket, WebSocketHandler } from 'bun';
import type { Dispatcher } from '../../actors/dispatcher.ts';
import type { RemoteNodeBridge } from '../../actors/remote-node-bridge.ts';
import { sameSecret } from '../../actors/worker-input.ts';
import type { SwarmLogger } from '../logger.ts';
import { decodeFrame, FrameBatcher, MessageTooLargeError, toWorker, type ToDispatcherMessage, type ToWorkerMessage } from '../protocol/index.ts';
import type { AccessPolicy } from './access.ts';
import type { ThrottledWarnings } from './throttled-warnings.ts';

/** Malformed frames a connection may send before it is closed. */
const MALFORMED_LIMIT = 3;

/** Per-connection state, kept in Bun's `ws.data`. */
export interface WorkerConnection {
  bridge: RemoteNodeBridge | null;
  /** Who connected: the remote address and port, for the log. */
  address: string;
  /** The name its hello gave, once it has registered (for the log). */
  name?: string;
  /** Why the dispatcher closed it, once it has (for the log, and the node's loss). */
  closedBecause?: string;
  out: FrameBatcher<ToWorkerMessage> | null;
  malformed: number;
  /** Closes the connection if no valid `hello` came in time (cleared by `hello` or the close). */
  helloTimer?: ReturnType<typeof setTimeout>;
}

export interface WorkerSocketOptions {
  dispatcher: Dispatcher;
  policy: AccessPolicy;
  maxMessageSize: number;
  heartbeatInterval: number;
  /** How long a connection may stay open without a valid `hello` (`[coordinator] heartbeat_timeout`). */
  helloTimeoutMs: number;
  log: SwarmLogger;
  /** Where refused and misbehaving connections are told of (rate-limited: they are the peer's to multiply). */
  warnings: ThrottledWarnings;
}

/**
 * Why Bun closed a connection itself, from the reason it gives the close handler, in words
 * that say what the peer did; null for a close that is no protocol violation.
 */
function violation(code: number, reason: string, maxMessageSize: number): string | null {
  if (/too big/i.test(reason) || code === 1009) return `it sent a frame over [security] max_message_size (${maxMessageSize} bytes)`;
  if (/utf-?8/i.test(reason) || code === 1007) return 'it sent a text frame that is not valid UTF-8';
  if (code === 1002 || (code === 1006 && reason !== '')) return `it broke the WebSocket protocol (${reason.slice(0, 100) || `close code ${code}`})`;
  return null;
}

/** A frame error for the log: its code and its message, bounded (it quotes what the peer sent). */
function frameProblem(error: { code: string; message: string }): string {
  return `${error.code}: ${error.message.length > 300 ? `${error.message.slice(0, 300)}…` : error.message}`;
}

/**
 * The `/workers` WebSocket route: a worker's first message must be `hello` (with the shared
 * token when one is configured), within `helloTimeoutMs`; then it is a node of the swarm
 * (RemoteNodeBridge) until the socket closes. Before `hello` any mistake — a malformed frame,
 * a bad name, a wrong token — gets an `error` reply and a close: nothing a connection that
 * never registers sends is worth a second chance, and it must not hold a socket open. After
 * it, malformed or oversized frames get an `error` reply and, past a few, a close — never a
 * crash of the dispatcher.
 */
export function workerSocketHandlers(options: WorkerSocketOptions): WebSocketHandler<WorkerConnection> {
  const { dispatcher, policy, log, warnings } = options;
  /** Frames within `limit`, the dispatcher's own or (smaller) the worker's, named for errors. */
  const batcher = (ws: ServerWebSocket<WorkerConnection>, limit: number, limitName: string) =>
    new FrameBatcher<ToWorkerMessage>({ send: (frame) => void ws.send(frame), maxFrameBytes: limit, limitName });
  const send = (ws: ServerWebSocket<WorkerConnection>, message: ToWorkerMessage) => {
    ws.data.out ??= batcher(ws, options.maxMessageSize, '[security] max_message_size');
    try {
      ws.data.out.push(message);
    } catch (err) {
      // Not sent: the caller turns it into a failure (an assignment's attempt, a state call's
      // answer); the log says which message and what limit, once.
      if (err instanceof MessageTooLargeError) {
        const request = message.type === 'assign' ? message.request : null;
        const what = request ? `the assignment of "${request.task}" (attempt ${request.attempt}, ${request.kind})` : `a "${message.type}" message`;
        log.warn(
          { worker: ws.data.name, address: ws.data.address, type: message.type, ...(request && { runId: request.runId, task: request.task, attempt: request.attempt }), bytes: err.bytes, limit: err.maxFrameBytes },
          `${what} for worker ${ws.data.name} needs a ${err.bytes}-byte frame, over ${err.limitName} (${err.maxFrameBytes} bytes); not sent` +
            (request ? ': the attempt fails with ASSIGNMENT_TOO_LARGE' : ''),
        );
      }
      throw err;
    }
  };
  /** Refuses a connection that has not registered: a warning, an `error` reply, a close. */
  const refuse = (ws: ServerWebSocket<WorkerConnection>, message: ToWorkerMessage & { type: 'error' }, worker?: string) => {
    ws.data.closedBecause = frameProblem(message);
    warnings.warn(
      { address: ws.data.address, code: message.code, ...(worker !== undefined && { worker }) },
      `worker connection refused: ${ws.data.closedBecause}`,
    );
    send(ws, message);
    ws.data.out?.flush();
    ws.close(1008, message.code);
  };

  return {
    maxPayloadLength: options.maxMessageSize,
    open(ws) {
      ws.data.helloTimer = setTimeout(() => {
        if (!ws.data.bridge) refuse(ws, toWorker.error('NOT_REGISTERED', `no hello within ${options.helloTimeoutMs} ms`));
      }, options.helloTimeoutMs);
    },
    message(ws, data) {
      const decoded = decodeFrame(data as string, 'toDispatcher', { maxBytes: options.maxMessageSize });
      if (!decoded.ok) {
        if (!ws.data.bridge) return refuse(ws, toWorker.error(decoded.error.code, decoded.error.message));
        const count = ++ws.data.malformed;
        warnings.warn(
          { address: ws.data.address, node: ws.data.bridge.id, code: decoded.error.code },
          `worker ${ws.data.name} sent a malformed frame (${count} of ${MALFORMED_LIMIT} before it is closed): ${frameProblem(decoded.error)}`,
        );
        send(ws, toWorker.error(decoded.error.code, decoded.error.message));
        if (count >= MALFORMED_LIMIT) {
          ws.data.closedBecause = `the dispatcher closed the connection after ${count} malformed frames (the last: ${frameProblem(decoded.error)})`;
          ws.data.out?.flush(); // the replies first, then the close
          ws.close(1008, 'too many malformed frames');
        }
        return;
      }
      for (const message of decoded.messages) {
        if (ws.data.bridge) ws.data.bridge.receive(message);
        else if (!register(ws, message)) return;
      }
    },
    close(ws, code, reason) {
      clearTimeout(ws.data.helloTimer);
      // Bun closes a connection itself for a frame over maxPayloadLength or a text frame that is
      // not UTF-8, before any message: this is where the log learns why.
      const broke = ws.data.closedBecause === undefined ? violation(code, reason, options.maxMessageSize) : null;
      if (ws.data.bridge) {
        ws.data.bridge.lost(ws.data.closedBecause ?? (broke ? `${broke}, and the connection was closed` : 'connection closed'));
      } else if (broke) {
        warnings.warn({ address: ws.data.address, code }, `worker connection closed before it registered: ${broke}`);
      }
      ws.data.bridge = null;
    },
  };

  function register(ws: ServerWebSocket<WorkerConnection>, message: ToDispatcherMessage): boolean {
    if (message.type !== 'hello') {
      refuse(ws, toWorker.error('NOT_REGISTERED', `the first message must be hello (got "${message.type}")`));
      return false;
    }
    if (policy.token !== null && !sameSecret(message.token ?? '', policy.token)) {
      refuse(ws, toWorker.error('UNAUTHORIZED', 'missing or wrong shared token'), message.name);
      return false;
    }
    ws.data.name = message.name;
    // A worker that accepts less than this dispatcher sends gets frames it can take: what does
    // not fit fails here, by name, rather than being dropped there unread (ACK_TIMEOUT later).
    if (message.maxMessageSize !== undefined && message.maxMessageSize < options.maxMessageSize) {
      ws.data.out?.flush();
      ws.data.out = batcher(ws, message.maxMessageSize, `the max_message_size of worker ${message.name}`);
    }
    try {
      ws.data.bridge = dispatcher.attachRemoteNode(
        {
          name: message.name,
          capabilities: message.capabilities,
          capacity: message.capacity,
          ...(message.resume ? { resume: message.resume } : {}),
          ...(message.session !== undefined ? { session: message.session } : {}),
          ...(message.features ? { features: message.features } : {}),
          ...(message.slots ? { slots: message.slots } : {}),
        },
        {
          send: (m) => send(ws, m),
          // What was queued (an abort, `shutdown`) goes out before the close, not never.
          disconnect: (reason) => {
            ws.data.out?.flush();
            ws.close(1001, reason);
          },
          flush: () => ws.data.out?.flush(),
        },
      );
    } catch (err) {
      refuse(ws, toWorker.error('NOT_REGISTERED', err instanceof Error ? err.message : String(err)), message.name);
      return false;
    }
    clearTimeout(ws.data.helloTimer);
    send(ws, toWorker.welcome(ws.data.bridge.id, options.heartbeatInterval, options.maxMessageSize, ws.data.bridge.session));
    return true;
  }
}
