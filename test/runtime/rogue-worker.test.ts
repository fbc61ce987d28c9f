/**
 * A worker that does not follow the protocol to the letter, played by a raw WebSocket against a
 * real dispatcher server: whatever it sends (or fails to send), every task ends by itself and
 * an outcome the dispatcher accepts changes the task.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { attemptKey } from '../../src/execution.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { PROTOCOL_VERSION, encodeFrame, toDispatcher, type ToWorkerMessage } from '../../src/protocol/index.ts';
import { rawWorker } from '../remote/helpers.ts';
import type { DispatcherServer } from '../../src/server/dispatcher-server.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';

const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await stopServers();
});

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

type Assign = Extract<ToWorkerMessage, { type: 'assign' }>;

/** A hand-driven worker: registers and heartbeats, then does exactly what the test says. */
async function rogueWorker(server: DispatcherServer, name: string) {
  const raw = await rawWorker(server.port);
  raw.send(toDispatcher.hello({ name, capabilities: ['internal'], capacity: 4 }));
  await raw.next('welcome');
  const heartbeat = setInterval(() => raw.ws.readyState === WebSocket.OPEN && raw.send(toDispatcher.heartbeat(0)), 100);
  raw.ws.addEventListener('close', () => clearInterval(heartbeat));
  sockets.push(raw.ws);
  return { ...raw, nextAssign: (after = 0) => raw.next('assign', after) as Promise<Assign> };
}

function remoteOnlyServer() {
  return startServer(
    serverConfig((c) => {
      c.dispatcher.local_workers = 0;
      c.coordinator.heartbeat_interval = 100;
      c.coordinator.heartbeat_timeout = 5_000;
    }),
  );
}

const ONE_TASK = (timeout: number) => `name: one
symbols:
  - name: only
    type: action
    timeout: ${timeout}
    retries: 0
    parameters: {operation: echo, message: hi}
`;

describe('a worker that skips or bends protocol steps', () => {
  test('an outcome without `started` is accepted and ends the task (it never stays assigned)', async () => {
    const server = remoteOnlyServer();
    const worker = await rogueWorker(server, 'rogue');
    const handle = server.deploy(parseManifest(ONE_TASK(60_000)));
    const assign = await worker.nextAssign();
    worker.sendRaw(encodeFrame(toDispatcher.outcome(attemptKey(assign.request), assign.lease, { ok: true, output: 'done' })));
    const result = await handle.result;
    await until('the outcome to be accepted', () => worker.received.find((m) => m.type === 'accepted'));
    expect(result.status).toBe('succeeded');
    expect(result.tasks[0]).toMatchObject({ name: 'only', status: 'succeeded', output: 'done', attempts: 1 });
    // The journal says the attempt ran: assigned → running → succeeded.
    const path = server.store
      .getTransitions(result.runId)
      .filter((t) => t.actorKind === 'task')
      .map((t) => t.to);
    expect(path).toEqual(['pending', 'ready', 'assigned', 'running', 'succeeded']);
  });

  test('an outcome nested deeper than JSON can write fails that attempt; the dispatcher and the next run go on', async () => {
    const server = remoteOnlyServer();
    const worker = await rogueWorker(server, 'deep');
    const handle = server.deploy(parseManifest(ONE_TASK(60_000)));
    const assign = await worker.nextAssign();
    const key = attemptKey(assign.request);
    const lease = JSON.stringify(assign.lease);
    const depth = 100_000;
    // 200 KB of brackets: within the frame limit, far beyond what JSON.stringify can nest.
    const output = '['.repeat(depth) + ']'.repeat(depth);
    worker.sendRaw(`{"v":${PROTOCOL_VERSION},"type":"outcome","key":${JSON.stringify(key)},"lease":${lease},"outcome":{"ok":true,"output":${output}}}`);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.tasks[0].error).toMatchObject({ code: 'OUTPUT_NOT_JSON' });
    expect(result.tasks[0].error!.message).toContain('nesting deeper than 256 levels');
    const seen = worker.received.length;
    const next = server.deploy(parseManifest(ONE_TASK(60_000)));
    const again = await worker.nextAssign(seen);
    worker.sendRaw(encodeFrame(toDispatcher.outcome(attemptKey(again.request), again.lease, { ok: true, output: { fine: [1, 2] } })));
    expect((await next.result).status).toBe('succeeded');
  });

  test("an outcome with half a UTF-16 pair (JSON's \\ud800 escape) fails that attempt OUTPUT_NOT_JSON with where, not retried; an error with one is kept, shown as U+FFFD", async () => {
    const server = remoteOnlyServer();
    const worker = await rogueWorker(server, 'half');
    const handle = server.deploy(parseManifest(ONE_TASK(60_000)));
    const assign = await worker.nextAssign();
    const lease = JSON.stringify(assign.lease);
    worker.sendRaw(`{"v":${PROTOCOL_VERSION},"type":"outcome","key":${JSON.stringify(attemptKey(assign.request))},"lease":${lease},"outcome":{"ok":true,"output":{"text":"a\\ud800"}}}`);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.tasks[0]).toMatchObject({ attempts: 1, error: { code: 'OUTPUT_NOT_JSON', message: expect.stringContaining('a lone UTF-16 surrogate at $.text') } });

    const seen = worker.received.length;
    const next = server.deploy(parseManifest(ONE_TASK(60_000)));
    const again = await worker.nextAssign(seen);
    const failure = `{"ok":false,"retryable":false,"error":{"name":"Error","code":"E","message":"broke \\udc00 here"}}`;
    worker.sendRaw(`{"v":${PROTOCOL_VERSION},"type":"outcome","key":${JSON.stringify(attemptKey(again.request))},"lease":${JSON.stringify(again.lease)},"outcome":${failure}}`);
    const failed = await next.result;
    expect(failed.tasks[0].error).toMatchObject({ code: 'E', message: 'broke \ufffd here' });
  });
});

