import { afterEach, describe, expect, test } from 'bun:test';
import type { ServerWebSocket } from 'bun';
import pino from 'pino';
import { RemoteWorker } from '../../actors/remote-worker.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import { decodeFrame, encodeFrame, toWorker, type ToDispatcherMessage } from '../../src/protocol/index.ts';
import { until } from './helpers.ts';

/**
 * A stopping worker whose last outcome the dispatcher never confirms (`accepted`) gives up after
 * ackWaitMs, and says which results may not have been delivered. A stand-in dispatcher on
 * 127.0.0.1 that takes frames and answers only what the test sends.
 */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('RemoteWorker: results it could not deliver', () => {
  test('stopped with an outcome the dispatcher never confirmed: a warning names the attempt', async () => {
    const received: ToDispatcherMessage[] = [];
    let socket: ServerWebSocket<unknown> | null = null;
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response('no', { status: 400 })),
      websocket: {
        open(ws) {
          socket = ws;
        },
        message(_ws, data) {
          const decoded = decodeFrame(data as string, 'toDispatcher', { maxBytes: 1 << 20 });
          if (decoded.ok) received.push(...decoded.messages);
        },
      },
    });
    cleanups.push(() => server.stop(true));
    const lines: { level: number; msg: string; undelivered?: string[] }[] = [];
    const logger = pino({ level: 'info', customLevels: { verbose: 15 } }, { write: (line: string) => void lines.push(JSON.parse(line)) }) as unknown as SwarmLogger;
    const w = new RemoteWorker({
      url: `ws://127.0.0.1:${server.port}/workers`,
      name: 'w1',
      capabilities: ['internal'],
      capacity: 1,
      threads: 1,
      heartbeatIntervalMs: 100,
      maxMessageSize: 1 << 20,
      ackWaitMs: 200,
      logger,
    });
    w.start();
    await until('the hello', () => received.some((m) => m.type === 'hello'));
    const send = (m: Parameters<typeof encodeFrame>[0]) => socket!.send(encodeFrame(m as never));
    send(toWorker.welcome('remote:w1', 1_000, 1 << 20, 'session-0000000000000001'));
    const request = {
      runId: 'r1',
      task: 'quick',
      attempt: 1,
      kind: 'run' as const,
      symbol: { name: 'quick', type: 'action' as const, context: 'generic' as const, dispatch: 'internal' as const, parameters: { operation: 'noop' }, timeout: 30_000 },
      dependencies: {},
      baseDir: null,
    };
    send(toWorker.assign('lease-0000000000000009', request, 5_000));
    await until('the outcome', () => received.some((m) => m.type === 'outcome'));
    await w.stop();
    const warning = lines.find((l) => l.msg.startsWith('1 result was not delivered'));
    expect(warning).toMatchObject({ level: 40, undelivered: ['r1/quick/run/1'] });
    expect(warning!.msg).toContain('the dispatcher did not confirm taking it in time');
  });
});
