/**
 * In-process remote workers for tests against a real dispatcher server (test/server/helpers.ts):
 * fast heartbeats and reconnects, silent logs. Every test file calls `afterEach(stopWorkers)`
 * itself, before stopping its servers.
 */
import pino from 'pino';
import { RemoteWorker, type RemoteWorkerOptions } from '../../actors/remote-worker.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import { decodeFrame, encodeFrame, type ToDispatcherMessage, type ToWorkerMessage } from '../../src/protocol/index.ts';

export const silent = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;

const workers: RemoteWorker[] = [];

export async function stopWorkers(): Promise<void> {
  for (const w of workers.splice(0)) await w.stop();
}

/**
 * A started worker named `name` for the server on `port` (or the dispatchers at these URLs,
 * one at a time), with `token` if given.
 */
export function connectWorker(port: number | string[], name: string, token?: string, capacity = 2, more: Partial<RemoteWorkerOptions> = {}): RemoteWorker {
  const w = new RemoteWorker({
    url: typeof port === 'number' ? `ws://127.0.0.1:${port}/workers` : port,
    name,
    capabilities: ['internal'],
    capacity,
    threads: 1,
    ...(token ? { token } : {}),
    heartbeatIntervalMs: 200,
    maxMessageSize: 1 << 20,
    reconnect: { baseMs: 50, maxMs: 200 },
    logger: silent,
    ...more,
  });
  workers.push(w);
  w.start();
  return w;
}

/** Waits (bounded) until `check` holds. */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/**
 * A hand-driven connection to `/workers`: sends whatever the test says (protocol messages or
 * raw text), collects what it receives, and says how it closed. For workers that bend the
 * protocol, and for attackers.
 */
export async function rawWorker(port: number, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/workers`, { headers } as never);
  const received: ToWorkerMessage[] = [];
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
  ws.addEventListener('message', (e) => {
    const decoded = decodeFrame(String(e.data), 'toWorker', { maxBytes: 1 << 24 });
    if (decoded.ok) received.push(...decoded.messages);
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', () => reject(new Error('the raw worker could not connect')));
  });
  return {
    ws,
    received,
    closed,
    send: (message: ToDispatcherMessage) => ws.send(encodeFrame(message)),
    sendRaw: (text: string) => ws.send(text),
    /** The first message of `type` received after the first `after` messages (waits for it). */
    next: async <T extends ToWorkerMessage['type']>(type: T, after = 0) => {
      await until(`a ${type} message`, () => received.slice(after).some((m) => m.type === type));
      return received.slice(after).find((m) => m.type === type) as Extract<ToWorkerMessage, { type: T }>;
    },
  };
}
