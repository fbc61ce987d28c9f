import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createWorker } from '../../src/api/create-worker.ts';
import { CONFIG_LIMITS } from '../../src/config/limits.ts';
import { UsageError } from '../../src/errors.ts';
import { PROTOCOL_VERSION, type ToWorkerMessage } from '../../src/protocol/index.ts';
import { call, serverConfig, startServer, stopServers, waitForRunEnd } from '../server/helpers.ts';
import { rawWorker, stopWorkers, until } from './helpers.ts';

/**
 * A worker's hello says how many attempts it runs at once. The dispatcher believes it, so it is
 * bounded by what a worker's config may say (`max_concurrent_tasks`, at most 1024): a hello
 * saying a billion drew 4,999 of a run's 5,000 tasks to one connection.
 */

setDefaultTimeout(30_000);
afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

const MAX = CONFIG_LIMITS.max_concurrent_tasks.max;
const errorsOf = (received: ToWorkerMessage[]) => received.filter((m): m is Extract<ToWorkerMessage, { type: 'error' }> => m.type === 'error');
const hello = (name: string, capacity: number) => JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', name, capabilities: ['internal'], capacity });

describe('a hello\'s capacity', () => {
  test('above the maximum of max_concurrent_tasks: refused with an error frame that says the limit, and the worker gets no task', async () => {
    const server = startServer(serverConfig());
    for (const capacity of [MAX + 1, 1_000_000_000]) {
      const raw = await rawWorker(server.port);
      raw.sendRaw(hello('greedy', capacity));
      expect(await raw.closed).toBe(1008);
      const [error] = errorsOf(raw.received);
      expect(error.code).toBe('FRAME_MALFORMED');
      expect(error.message).toBe(`capacity: must be at most ${MAX} (the maximum of [worker] max_concurrent_tasks), got ${capacity} (in a "hello" message)`);
      expect(raw.received.filter((m) => m.type === 'welcome' || m.type === 'assign')).toEqual([]);
    }
    expect(server.dispatcher.nodeLoads().map((n) => n.id)).toEqual(['local']);
    // The run goes to the nodes there are.
    const manifest = `name: many\nsymbols:\n${Array.from({ length: 20 }, (_, i) => `  - {name: t${i}, type: action, parameters: {operation: noop}}\n`).join('')}`;
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: manifest, format: 'yaml' } });
    expect((await waitForRunEnd(server, body.runId)).status).toBe('succeeded');
  });

  test('the maximum itself registers, with that capacity', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const raw = await rawWorker(server.port);
    raw.sendRaw(hello('big', MAX));
    await raw.next('welcome');
    await until('the node to be listed', () => server.dispatcher.nodeLoads().length === 1);
    expect(server.dispatcher.nodeLoads()[0]).toMatchObject({ id: 'remote:big', capacity: MAX });
    raw.ws.close();
  });

  test('createWorker refuses a maxConcurrentTasks the dispatcher would refuse, before it connects', () => {
    for (const bad of [0, 1.5, MAX + 1]) {
      let error: unknown;
      try {
        createWorker({ name: 'w', dispatcherUrl: 'ws://127.0.0.1:1', maxConcurrentTasks: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toBe(`maxConcurrentTasks must be a whole number from 1 to ${MAX}, as [worker] max_concurrent_tasks (got ${bad}).`);
    }
  });
});
