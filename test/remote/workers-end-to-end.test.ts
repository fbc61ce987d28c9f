import { afterEach, describe, expect, test } from 'bun:test';
import pino from 'pino';
import { RemoteWorker } from '../../actors/remote-worker.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import { loadManifestFile } from '../../src/manifest/index.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';

const silent = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;
const workers: RemoteWorker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  await stopServers();
});

function connectWorker(port: number, name: string, token?: string) {
  const w = new RemoteWorker({
    url: `ws://127.0.0.1:${port}/workers`,
    name,
    capabilities: ['internal'],
    capacity: 2,
    threads: 1,
    ...(token ? { token } : {}),
    heartbeatIntervalMs: 200,
    maxMessageSize: 1 << 20,
    reconnect: { baseMs: 50, maxMs: 200 },
    logger: silent,
  });
  workers.push(w);
  w.start();
  return w;
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe('a dispatcher with no threads of its own and a remote worker', () => {
  test('runs a whole workflow on the worker; every task reports the worker as its node', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.coordinator.heartbeat_interval = 200;
        c.coordinator.heartbeat_timeout = 2_000;
      }),
    );
    const worker = connectWorker(server.port, 'w1');
    await until('the worker to register', () => worker.connected);
    expect(server.dispatcher.nodeLoads().map((n) => n.id)).toEqual(['remote:w1']);
    const result = await server.deploy(loadManifestFile('examples/hello.yaml')).result;
    expect(result.status).toBe('succeeded');
    expect(new Set(result.tasks.map((t) => t.node))).toEqual(new Set(['remote:w1']));
    // state.set / state.get ran on the worker against the dispatcher's state table.
    expect(result.tasks.find((t) => t.name === 'read-greeting')!.output).toBe('Hello from the swarm');
    expect(server.store.stateGet('hello.greeting')).toBe('Hello from the swarm');
  });

  test('with auth on, a worker without the token is refused and never becomes a node', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.security.enable_auth = true;
        c.dispatcher.auth_token = 'right-token';
      }),
    );
    const wrong = connectWorker(server.port, 'intruder', 'wrong-token');
    const right = connectWorker(server.port, 'w2', 'right-token');
    await until('the right worker to register', () => right.connected);
    await Bun.sleep(200);
    expect(wrong.connected).toBe(false);
    expect(server.dispatcher.nodeLoads().map((n) => n.id)).toEqual(['remote:w2']);
  });
});
