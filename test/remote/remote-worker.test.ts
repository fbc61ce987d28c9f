import { afterEach, describe, expect, test } from 'bun:test';
import type { ServerWebSocket } from 'bun';
import { RemoteWorker } from '../../actors/remote-worker.ts';
import { ConfigError } from '../../src/errors.ts';
import { attemptKey, type ExecutionRequest } from '../../src/execution.ts';
import { decodeFrame, encodeFrame, toWorker, type ToDispatcherMessage } from '../../src/protocol/index.ts';

/**
 * A stand-in dispatcher on 127.0.0.1 (port 0): records what the worker sends and lets the
 * test answer. Real sockets, real worker threads; only the dispatcher's logic is scripted.
 */
function fakeDispatcher(port = 0) {
  const received: ToDispatcherMessage[] = [];
  const headers: (string | null)[] = [];
  let socket: ServerWebSocket<unknown> | null = null;
  const waiters: (() => void)[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port,
    fetch(req, srv) {
      headers.push(req.headers.get('authorization'));
      return srv.upgrade(req) ? undefined : new Response('no', { status: 400 });
    },
    websocket: {
      open(ws) {
        socket = ws;
      },
      message(_ws, data) {
        const decoded = decodeFrame(data as string, 'toDispatcher', { maxBytes: 1 << 20 });
        if (!decoded.ok) throw new Error(decoded.error.message);
        received.push(...decoded.messages);
        for (const w of waiters.splice(0)) w();
      },
    },
  });
  const send = (m: Parameters<typeof encodeFrame>[0]) => socket!.send(encodeFrame(m as never));
  /** Resolves when a received message matches (bounded: rejects after 10 s). */
  const waitFor = async <T extends ToDispatcherMessage['type']>(type: T, pred: (m: Extract<ToDispatcherMessage, { type: T }>) => boolean = () => true) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = received.find((m) => m.type === type && pred(m as never));
      if (found) return found as Extract<ToDispatcherMessage, { type: T }>;
      if (Date.now() > deadline) throw new Error(`no ${type} within 10 s; got ${received.map((m) => m.type).join(', ')}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { server, received, headers, send, waitFor, closeSocket: () => socket?.close() };
}

/** A lease / a session id as the dispatcher issues them (opaque), numbered for reading. */
const L = (n: number) => `lease-${String(n).padStart(16, '0')}`;
const session = (n: number) => `session-${String(n).padStart(16, '0')}`;

const request = (task: string, parameters: Record<string, unknown>): ExecutionRequest => ({
  runId: 'r1',
  task,
  attempt: 1,
  kind: 'run',
  symbol: { name: task, type: 'action', context: 'generic', dispatch: 'internal', parameters, timeout: 30_000 },
  dependencies: {},
  baseDir: null,
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function worker(url: string) {
  const w = new RemoteWorker({
    url,
    name: 'w1',
    capabilities: ['internal'],
    capacity: 2,
    threads: 1,
    token: 'sekrit',
    heartbeatIntervalMs: 100,
    maxMessageSize: 1 << 20,
    reconnect: { baseMs: 50, maxMs: 200 },
  });
  cleanups.push(() => w.stop());
  return w;
}

describe('RemoteWorker: its own name', () => {
  test('a name the dispatcher would refuse is a config error at construction, naming worker.node_name', () => {
    for (const name of ['', 'a\u0000b', 'x'.repeat(100_000), 'has space']) {
      let error: unknown;
      try {
        new RemoteWorker({ url: 'ws://127.0.0.1:1/workers', name, capabilities: ['internal'], capacity: 1, heartbeatIntervalMs: 100, maxMessageSize: 1 << 20 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues[0].key).toBe('worker.node_name');
      expect((error as ConfigError).message.length).toBeLessThan(400);
    }
  });
});

describe('RemoteWorker against a stand-in dispatcher', () => {
  test('registers with its token, heartbeats, runs an assignment and reports started and outcome', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    worker(`ws://127.0.0.1:${d.server.port}/workers`).start();
    const hello = await d.waitFor('hello');
    expect(hello).toMatchObject({ name: 'w1', capabilities: ['internal'], capacity: 2, token: 'sekrit' });
    expect(hello.session).toBeUndefined(); // a first connection has no session to present
    expect(d.headers[0]).toBe('Bearer sekrit');
    d.send(toWorker.welcome('remote:w1', 100, 1 << 20, session(1)));
    await d.waitFor('heartbeat');
    const req = request('echo', { operation: 'echo', message: 'hi' });
    d.send(toWorker.assign(L(7), req, 5_000));
    await d.waitFor('started', (m) => m.lease === L(7));
    const outcome = await d.waitFor('outcome', (m) => m.key === attemptKey(req));
    expect(outcome).toMatchObject({ lease: L(7), outcome: { ok: true, output: 'hi' } });
    d.send(toWorker.accepted(outcome.key, outcome.lease));
  });

  test('says it can withdraw; on `withdraw` gives back what it has not started, and runs what it has', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    worker(`ws://127.0.0.1:${d.server.port}/workers`).start();
    expect(await d.waitFor('hello')).toMatchObject({ features: ['withdraw'] });
    d.send(toWorker.welcome('remote:w1', 100, 1 << 20, session(1)));
    // Quick work first, so the worker's thread holds ahead too (a streak of its own).
    for (let i = 0; i < 40; i++) {
      const req = request(`q${i}`, { operation: 'noop' });
      d.send(toWorker.assign(L(100 + i), req, 5_000));
      const outcome = await d.waitFor('outcome', (m) => m.key === attemptKey(req));
      d.send(toWorker.accepted(outcome.key, outcome.lease));
    }
    // Two slow ones fill its 2 slots; four more wait behind them, never started.
    // Long enough that no slot frees before the `withdraw` below is read, on a loaded machine too.
    const slow = [0, 1].map((i) => request(`slow${i}`, { operation: 'delay', ms: 1_500 }));
    const held = [0, 1, 2, 3].map((i) => request(`held${i}`, { operation: 'noop' }));
    slow.forEach((req, i) => d.send(toWorker.assign(L(200 + i), req, 5_000)));
    for (const req of slow) await d.waitFor('started', (m) => m.key === attemptKey(req));
    held.forEach((req, i) => d.send(toWorker.assign(L(300 + i), req, 5_000)));
    d.send(toWorker.withdraw());
    for (const [i, req] of held.entries()) {
      expect(await d.waitFor('returned', (m) => m.key === attemptKey(req))).toMatchObject({ lease: L(300 + i) });
    }
    for (const req of slow) {
      const outcome = await d.waitFor('outcome', (m) => m.key === attemptKey(req));
      expect(outcome).toMatchObject({ outcome: { ok: true } });
      d.send(toWorker.accepted(outcome.key, outcome.lease));
    }
    // Given back means never run here: no `started` or outcome for any of them, ever.
    const heldKeys = new Set(held.map(attemptKey));
    expect(d.received.filter((m) => (m.type === 'started' || m.type === 'outcome') && heldKeys.has(m.key))).toEqual([]);
  });

  test('a busy loop on its thread: modules reported started that had not begun run on the next thread, one started each, not failed', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    // One thread of four slots, so the loop's thread holds the other three too.
    const w = new RemoteWorker({
      url: `ws://127.0.0.1:${d.server.port}/workers`,
      name: 'w1',
      capabilities: ['internal'],
      capacity: 4,
      threads: 1,
      heartbeatIntervalMs: 100,
      maxMessageSize: 1 << 20,
      reconnect: { baseMs: 50, maxMs: 200 },
    });
    cleanups.push(() => w.stop());
    w.start();
    await d.waitFor('hello');
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    const modules = new URL('../fixtures/modules/', import.meta.url).pathname;
    // The loop's module imported first, so its function runs before the sleepers' first import
    // ends (each sleeper reports its start before that import).
    const warm = request('warm', { operation: 'module', module: `${modules}busy-loop.ts` });
    d.send(toWorker.assign(L(399), warm, 5_000));
    const warmed = await d.waitFor('outcome', (m) => m.key === attemptKey(warm));
    expect(warmed.outcome).toEqual({ ok: true, output: 'imported' });
    d.send(toWorker.accepted(warmed.key, warmed.lease));
    const stuck = request('stuck', { operation: 'module', module: `${modules}busy-loop.ts`, spin: true });
    const sleepers = [1, 2, 3].map((i) => request(`sleeper${i}`, { operation: 'module', module: `${modules}sleep.ts`, ms: 10 }));
    // In one frame, as a dispatcher sends what it assigns in one turn: one message to the thread.
    d.send([stuck, ...sleepers].map((req, i) => toWorker.assign(L(400 + i), req, 5_000)));
    await d.waitFor('started', (m) => m.key === attemptKey(stuck));
    d.send(toWorker.abort(attemptKey(stuck), 'timed out'));
    const crashed = await d.waitFor('outcome', (m) => m.key === attemptKey(stuck));
    expect(crashed.outcome).toMatchObject({ ok: false, error: { code: 'WORKER_CRASHED' } });
    for (const req of sleepers) {
      const outcome = await d.waitFor('outcome', (m) => m.key === attemptKey(req));
      expect(outcome.outcome).toEqual({ ok: true, output: { slept: 10 } });
      expect(d.received.filter((m) => m.type === 'started' && m.key === attemptKey(req))).toHaveLength(1);
      d.send(toWorker.accepted(outcome.key, outcome.lease));
    }
    d.send(toWorker.accepted(crashed.key, crashed.lease));
  });

  test('state calls of its tasks go to the dispatcher and come back', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    worker(`ws://127.0.0.1:${d.server.port}/workers`).start();
    await d.waitFor('hello');
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    const req = request('read', { operation: 'state.get', key: 'greeting' });
    d.send(toWorker.assign(L(1), req, 5_000));
    const call = await d.waitFor('state.get');
    expect(call.key).toBe('greeting');
    // Which attempt calls, so the dispatcher can refuse the calls of one it has ended.
    expect(call.attempt).toBe(attemptKey(req));
    d.send(toWorker.stateResult(call.id, 'hello from the dispatcher'));
    const outcome = await d.waitFor('outcome');
    expect(outcome.outcome).toEqual({ ok: true, output: 'hello from the dispatcher' });
    d.send(toWorker.accepted(outcome.key, outcome.lease));
  });

  test('reconnects after the connection drops, registers again and resumes', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    worker(`ws://127.0.0.1:${d.server.port}/workers`).start();
    await d.waitFor('hello');
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    // A long attempt is running when the connection drops.
    const req = request('slow', { operation: 'delay', ms: 300 });
    d.send(toWorker.assign(L(3), req, 5_000));
    await d.waitFor('started');
    d.closeSocket();
    d.received.length = 0;
    const hello = await d.waitFor('hello');
    expect(hello.resume).toEqual([{ key: attemptKey(req), lease: L(3) }]);
    // It proves it is the same worker with the secret of its last welcome.
    expect(hello.session).toBe(session(1));
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(2)));
    // The outcome computed around the disconnect is delivered on the new connection.
    const outcome = await d.waitFor('outcome');
    expect(outcome).toMatchObject({ key: attemptKey(req), lease: L(3), outcome: { ok: true } });
    d.send(toWorker.accepted(outcome.key, outcome.lease));
  });

  test('an outcome is kept until the dispatcher takes it: one lost with a dying connection is sent again', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    const w = worker(`ws://127.0.0.1:${d.server.port}/workers`);
    w.start();
    await d.waitFor('hello');
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    const req = request('quick', { operation: 'noop' });
    d.send(toWorker.assign(L(5), req, 5_000));
    await d.waitFor('outcome');
    // The dispatcher never answered (its end died with the frame, say); the worker reconnects.
    d.closeSocket();
    d.received.length = 0;
    const hello = await d.waitFor('hello');
    expect(hello.resume).toEqual([{ key: attemptKey(req), lease: L(5) }]);
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    const again = await d.waitFor('outcome');
    expect(again).toMatchObject({ key: attemptKey(req), lease: L(5), outcome: { ok: true } });
    d.send(toWorker.accepted(again.key, again.lease));
    // Taken: a further reconnect lists nothing held.
    await Bun.sleep(50);
    d.closeSocket();
    d.received.length = 0;
    expect((await d.waitFor('hello')).resume).toBeUndefined();
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    await w.stop();
  });

  test('a stopping worker waits for its last outcomes to be taken, but not forever', async () => {
    const d = fakeDispatcher();
    cleanups.push(() => d.server.stop(true));
    const w = new RemoteWorker({
      url: `ws://127.0.0.1:${d.server.port}/workers`,
      name: 'w1',
      capabilities: ['internal'],
      capacity: 1,
      threads: 1,
      heartbeatIntervalMs: 100,
      maxMessageSize: 1 << 20,
      ackWaitMs: 200,
    });
    w.start();
    await d.waitFor('hello');
    d.send(toWorker.welcome('remote:w1', 1_000, 1 << 20, session(1)));
    d.send(toWorker.assign(L(9), request('quick', { operation: 'noop' }), 5_000));
    await d.waitFor('outcome');
    await w.stop(); // nobody answers `accepted`: it gives up after ackWaitMs (else the test times out)
    expect(d.received.some((m) => m.type === 'draining')).toBe(true);
  });
});
