import type { ServerWebSocket, WebSocketHandler } from 'bun';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Dispatcher } from '../../actors/dispatcher.ts';
import type { RemoteNodeBridge } from '../../actors/remote-node-bridge.ts';
import type { SwarmLogger } from '../logger.ts';
import { decodeFrame, FrameBatcher, toWorker, type ToDispatcherMessage, type ToWorkerMessage } from '../protocol/index.ts';
import type { AccessPolicy } from './access.ts';

/** Malformed frames a connection may send before it is closed. */
const MALFORMED_LIMIT = 3;

/** Per-connection state, kept in Bun's `ws.data`. */
export interface WorkerConnection {
  bridge: RemoteNodeBridge | null;
  out: FrameBatcher<ToWorkerMessage> | null;
  malformed: number;
}

export interface WorkerSocketOptions {
  dispatcher: Dispatcher;
  policy: AccessPolicy;
  maxMessageSize: number;
  heartbeatInterval: number;
  log: SwarmLogger;
}

/**
 * The `/workers` WebSocket route: a worker's first message must be `hello` (with the shared
 * token when auth is on); then it is a node of the swarm (RemoteNodeBridge) until the socket
 * closes. Malformed or oversized frames get an `error` reply and, past a few, a close —
 * never a crash of the dispatcher.
 */
export function workerSocketHandlers(options: WorkerSocketOptions): WebSocketHandler<WorkerConnection> {
  const { dispatcher, policy, log } = options;
  const send = (ws: ServerWebSocket<WorkerConnection>, message: ToWorkerMessage) => {
    ws.data.out ??= new FrameBatcher<ToWorkerMessage>({
      send: (frame) => void ws.send(frame),
      maxFrameBytes: options.maxMessageSize,
    });
    ws.data.out.push(message);
  };
  const refuse = (ws: ServerWebSocket<WorkerConnection>, message: ToWorkerMessage & { type: 'error' }) => {
    send(ws, message);
    ws.data.out?.flush();
    ws.close(1008, message.code);
  };

  return {
    maxPayloadLength: options.maxMessageSize,
    message(ws, data) {
      const decoded = decodeFrame(data as string, 'toDispatcher', { maxBytes: options.maxMessageSize });
      if (!decoded.ok) {
        send(ws, toWorker.error(decoded.error.code, decoded.error.message));
        if (++ws.data.malformed >= MALFORMED_LIMIT) {
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
    close(ws) {
      ws.data.bridge?.lost('connection closed');
      ws.data.bridge = null;
    },
  };

  function register(ws: ServerWebSocket<WorkerConnection>, message: ToDispatcherMessage): boolean {
    if (message.type !== 'hello') {
      refuse(ws, toWorker.error('NOT_REGISTERED', 'the first message must be hello'));
      return false;
    }
    if (policy.token !== null && !sameSecret(message.token ?? '', policy.token)) {
      log.warn({ worker: message.name }, 'worker refused: missing or wrong token');
      refuse(ws, toWorker.error('UNAUTHORIZED', 'missing or wrong shared token'));
      return false;
    }
    try {
      ws.data.bridge = dispatcher.attachRemoteNode(
        {
          name: message.name,
          capabilities: message.capabilities,
          capacity: message.capacity,
          ...(message.resume ? { resume: message.resume } : {}),
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
      refuse(ws, toWorker.error('NOT_REGISTERED', err instanceof Error ? err.message : String(err)));
      return false;
    }
    send(ws, toWorker.welcome(ws.data.bridge.id, options.heartbeatInterval, options.maxMessageSize));
    return true;
  }
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
