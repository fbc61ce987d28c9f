import { afterEach, describe, expect, test } from 'bun:test';
import { workerSocketUrls } from '../../src/api/create-worker.ts';
import { loadManifestFile } from '../../src/manifest/index.ts';
import { freePort } from '../cli/dispatcher-process.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';
import { connectWorker, stopWorkers, until } from './helpers.ts';

/**
 * A worker that names several dispatchers (`[worker] dispatcher_url = [a, b]`): connected to one
 * at a time, it passes over one it cannot reach, and when its dispatcher goes away it registers
 * with the next and runs that one's tasks. Real dispatcher servers on 127.0.0.1.
 */
afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

const remoteOnly = () =>
  serverConfig((c) => {
    c.dispatcher.local_workers = 0;
    c.coordinator.heartbeat_interval = 100;
    c.coordinator.heartbeat_timeout = 1_000;
  });

describe('a worker that names several dispatchers', () => {
  test('passes over one it cannot reach and registers with the next', async () => {
    const live = startServer(remoteOnly());
    const w = connectWorker([`ws://127.0.0.1:${freePort()}/workers`, `ws://127.0.0.1:${live.port}/workers`], 'w1');
    await until('the worker to register with the live dispatcher', () => w.connected);
    expect(w.url).toBe(`ws://127.0.0.1:${live.port}/workers`);
    expect(live.dispatcher.nodeLoads().map((n) => n.id)).toEqual(['remote:w1']);
  });

  test('when its dispatcher goes away it moves to the next one and runs its tasks', async () => {
    const first = startServer(remoteOnly());
    const second = startServer(remoteOnly());
    const urls = [`ws://127.0.0.1:${first.port}/workers`, `ws://127.0.0.1:${second.port}/workers`];
    const w = connectWorker(urls, 'w2');
    await until('the worker to register with the first dispatcher', () => w.connected && w.url === urls[0]);
    await first.stop();
    await until('the worker to register with the second dispatcher', () => w.connected && w.url === urls[1], 15_000);
    const result = await second.deploy(loadManifestFile('examples/hello.yaml')).result;
    expect(result.status).toBe('succeeded');
    expect(new Set(result.tasks.map((t) => t.node))).toEqual(new Set(['remote:w2']));
  });

  test('the config takes one URL or a list; a comma-separated override too', () => {
    expect(workerSocketUrls('ws://a:8080')).toEqual(['ws://a:8080/workers']);
    expect(workerSocketUrls(['ws://a:8080', 'ws://b:8080/'])).toEqual(['ws://a:8080/workers', 'ws://b:8080/workers']);
    expect(workerSocketUrls('ws://a:8080, ws://b:8080,ws://a:8080')).toEqual(['ws://a:8080/workers', 'ws://b:8080/workers']);
  });
});
