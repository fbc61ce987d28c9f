import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createWorker } from '../../src/api/create-worker.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { defaultConfig } from '../../src/config/index.ts';
import { encodeFrame, PROTOCOL_VERSION, toDispatcher, type ToWorkerMessage } from '../../src/protocol/index.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';
import { connectWorker, rawWorker, stopWorkers, until } from './helpers.ts';

/**
 * Who gets to be a node: the token on loopback too, names that are short and printable, a hello
 * in time, and no second chance for a connection that cannot say hello properly.
 */

setDefaultTimeout(20_000);
afterEach(async () => {
  await stopWorkers();
  await stopServers();
});



const errorsOf = (received: ToWorkerMessage[]) =>
  received.filter((m): m is Extract<ToWorkerMessage, { type: 'error' }> => m.type === 'error');

describe('the token on the worker route', () => {
  test('with a token configured on a loopback dispatcher (enable_auth = false), a worker with a wrong or no token never registers', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.dispatcher.auth_token = 'right-token';
      }),
    );
    const wrong = connectWorker(server.port, 'wrong', 'wrong-token', 1);
    const none = connectWorker(server.port, 'none', undefined, 1);
    const right = connectWorker(server.port, 'right', 'right-token', 1);
    await until('the right worker to register', () => right.connected);
    // The others have been refused at least once by now (their first attempts came first).
    expect(wrong.connected).toBe(false);
    expect(none.connected).toBe(false);
    expect(server.dispatcher.nodeLoads().map((n) => n.id)).toEqual(['remote:right']);
    // With the header right but a wrong token in hello: refused after the upgrade, and closed.
    const raw = await rawWorker(server.port, { authorization: 'Bearer right-token' });
    raw.sendRaw(encodeFrame(toDispatcher.hello({ name: 'sneaky', capabilities: ['internal'], capacity: 1, token: 'wrong' })));
    expect(await raw.closed).toBe(1008);
    expect(errorsOf(raw.received).map((e) => e.code)).toEqual(['UNAUTHORIZED']);
    expect(server.dispatcher.nodeLoads().map((n) => n.id)).toEqual(['remote:right']);
  });
});

describe('worker names and what a connection sends before it registers', () => {
  test('a hello with a huge name or control characters gets a clear error and a close; nothing is stored', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    for (const name of ['n'.repeat(100_000), 'nul\u0000name', 'bell\u0007', 'line\nbreak', '']) {
      const raw = await rawWorker(server.port);
      raw.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', name, capabilities: ['internal'], capacity: 1 }));
      expect(await raw.closed).toBe(1008);
      const [error] = errorsOf(raw.received);
      expect(error.code).toBe('FRAME_MALFORMED');
      expect(error.message).toContain('name: expected a worker name');
      expect(error.message.length).toBeLessThan(400);
    }
    expect(server.dispatcher.nodeLoads()).toEqual([]);
    expect(server.store.listNodes()).toEqual([]);
  });

  test('createWorker refuses a name the dispatcher would refuse before it checks or connects anything', () => {
    const refusal = (options: Parameters<typeof createWorker>[0]) => {
      try {
        createWorker(options);
      } catch (e) {
        return e;
      }
      throw new Error('expected a refusal');
    };
    // Given in place of the config's: a bad argument, named as such.
    const given = refusal({ name: 'two words', dispatcherUrl: 'ws://127.0.0.1:1' });
    expect(given).toBeInstanceOf(UsageError);
    expect((given as UsageError).message).toStartWith('The worker name "two words" is not allowed: use ASCII letters (A-Z, a-z), digits and _ . : - @');
    expect((given as UsageError).message).toEndWith('(the name given, in place of [worker] node_name).');
    // From the config: the config's key.
    const config = defaultConfig();
    config.worker.node_name = 'two words';
    const configured = refusal({ config, dispatcherUrl: 'ws://127.0.0.1:1' });
    expect(configured).toBeInstanceOf(ConfigError);
    expect((configured as ConfigError).issues[0]).toMatchObject({ key: 'worker.node_name' });
  });

  test('a capabilities list of thousands of entries is refused', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const raw = await rawWorker(server.port);
    raw.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', name: 'caps', capabilities: Array(5_000).fill('internal'), capacity: 1 }));
    expect(await raw.closed).toBe(1008);
    expect(errorsOf(raw.received)[0].message).toContain('capabilities');
    expect(server.dispatcher.nodeLoads()).toEqual([]);
  });

  test('one malformed frame before hello closes the connection at once', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const raw = await rawWorker(server.port);
    raw.sendRaw('not json at all');
    expect(await raw.closed).toBe(1008);
    expect(errorsOf(raw.received).map((e) => e.code)).toEqual(['FRAME_MALFORMED']);
  });

  test('a connection that never says hello is closed after the heartbeat timeout', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.coordinator.heartbeat_interval = 100;
        c.coordinator.heartbeat_timeout = 300;
      }),
    );
    const raw = await rawWorker(server.port);
    expect(await raw.closed).toBe(1008);
    expect(errorsOf(raw.received)).toEqual([{ type: 'error', code: 'NOT_REGISTERED', message: 'no hello within 300 ms' }]);
  });
});
