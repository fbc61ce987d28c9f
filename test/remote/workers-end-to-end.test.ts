import { afterEach, describe, expect, test } from 'bun:test';
import { loadManifestFile, parseManifest } from '../../src/manifest/index.ts';
import { PROTOCOL_VERSION, toDispatcher } from '../../src/protocol/index.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';
import { connectWorker, rawWorker, stopWorkers, until } from './helpers.ts';

afterEach(async () => {
  await stopWorkers();
  await stopServers();
});


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

describe('waiting for a node that can run a task', () => {
  test('a run deployed before any worker connects waits, and runs once one registers', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.coordinator.node_wait_timeout = 20_000;
      }),
    );
    const handle = server.deploy(loadManifestFile('examples/hello.yaml'));
    await Bun.sleep(300);
    expect(handle.progress().settled).toBe(0);
    connectWorker(server.port, 'late');
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(new Set(result.tasks.map((t) => t.node))).toEqual(new Set(['remote:late']));
  });

  test('with no capable worker within node_wait_timeout the task fails with NO_CAPABLE_NODE, not forever', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.coordinator.node_wait_timeout = 300;
      }),
    );
    const result = await server.deploy(loadManifestFile('examples/hello.yaml')).result;
    expect(result.status).toBe('failed');
    const failed = result.tasks.filter((t) => t.error?.code === 'NO_CAPABLE_NODE');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].error!.message).toContain('none joined within 300 ms');
    expect(failed[0].attempts).toBeLessThanOrEqual(1);
  });

  test('with enable_websocket = false the dispatcher refuses workers and does not wait for them', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.enable_websocket = false;
        c.coordinator.node_wait_timeout = 60_000;
      }),
    );
    const response = await fetch(`http://127.0.0.1:${server.port}/workers`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('WORKERS_DISABLED');
    const manifest = loadManifestFile('examples/hello.yaml');
    manifest.manifest.symbols[0].dispatch = 'php_engine';
    const result = await server.deploy(manifest).result;
    expect(result.tasks[0].error?.code).toBe('NO_CAPABLE_NODE');
  });
});


describe('a worker that reconnects before its old connection is noticed dead', () => {
  test('its new connection takes over, and the result of the attempt it still held is accepted', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const old = await rawWorker(server.port);
    old.send(toDispatcher.hello({ name: 'w1', capabilities: ['internal'], capacity: 1 }));
    const { session } = await old.next('welcome');
    const loaded = parseManifest('name: one\nsymbols:\n  - {name: only, type: action, parameters: {operation: noop}}\n');
    const handle = server.deploy(loaded);
    const assign = await old.next('assign');
    const key = `${assign.request.runId}/only/run/1`;
    old.send(toDispatcher.started(key, assign.lease));
    // A stranger with the same name is refused while the old connection is alive, even one that
    // names the lease (leases are random: it could not have guessed it, but it proves nothing)…
    for (const resume of [undefined, [{ key, lease: assign.lease }]]) {
      const stranger = await rawWorker(server.port);
      stranger.send(toDispatcher.hello({ name: 'w1', capabilities: ['internal'], capacity: 1, ...(resume && { resume }) }));
      expect((await stranger.next('error')).message).toContain('already connected');
      expect(await stranger.closed).toBe(1008);
    }
    // …but the worker itself, presenting the secret of its welcome, takes the old connection's place.
    const fresh = await rawWorker(server.port);
    fresh.send(toDispatcher.hello({ name: 'w1', capabilities: ['internal'], capacity: 1, session, resume: [{ key, lease: assign.lease }] }));
    await fresh.next('welcome');
    expect(await old.closed).toBe(1001);
    fresh.send(toDispatcher.outcome(key, assign.lease, { ok: true, output: 'done while reconnecting' }));
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(result.tasks[0]).toMatchObject({ attempts: 1, output: 'done while reconnecting', node: 'remote:w1' });
    expect(fresh.received.some((m) => m.type === 'refused')).toBe(false);
  });
});

describe('the /workers route and bad input', () => {
  test('after registration, garbage frames get an error reply each and, after a few, a close; the dispatcher keeps serving', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const ws = await rawWorker(server.port);
    ws.send(toDispatcher.hello({ name: 'garbage', capabilities: ['internal'], capacity: 1 }));
    await ws.next('welcome');
    ws.sendRaw('this is not json');
    ws.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'heartbeat' })); // running missing
    ws.sendRaw(JSON.stringify({ v: 99, type: 'heartbeat', running: 0 }));
    expect(await ws.closed).toBe(1008);
    expect(ws.received.filter((m) => m.type === 'error').map((m) => (m as { code: string }).code)).toEqual([
      'FRAME_MALFORMED',
      'FRAME_MALFORMED',
      'PROTOCOL_VERSION',
    ]);
    // Still serving: a real worker registers afterwards.
    const worker = connectWorker(server.port, 'after-garbage');
    await until('the worker to register', () => worker.connected);
  });

  test('an oversized frame closes the connection without hurting the dispatcher', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.security.max_message_size = 4096;
      }),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/workers`);
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
    await new Promise((r) => ws.addEventListener('open', r));
    ws.send('x'.repeat(10_000));
    expect(await closed).not.toBe(1000);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });
});
