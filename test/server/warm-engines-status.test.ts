/**
 * Warm engine pools as the dispatcher shows them: its own local backend node and a remote
 * worker's (pools are per node; the worker reports its own in heartbeats), in /api/status and
 * /metrics; and no engine outlives the dispatcher or the worker that started it.
 */
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { createWorker, type SwarmWorker } from '../../src/api/create-worker.ts';
import type { SwarmConfig } from '../../src/config/index.ts';
import { fixture, isGone, prepareFixtures, waitUntil } from '../backends/helpers.ts';
import { call, serverConfig, startServer, stopServers, waitForRunEnd } from './helpers.ts';

beforeAll(prepareFixtures);
const workers: SwarmWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await stopServers();
});

function warmRust(config: SwarmConfig): void {
  config.backends.rust_injector = {
    ...config.backends.rust_injector,
    enabled: true,
    binary_path: fixture('serve-engine'),
    mode: 'persistent',
    pool_size: 2,
  };
}

const manifest = (n: number) =>
  ['name: warm', 'symbols:', ...Array.from({ length: n }, (_, i) => `  - {name: s${i}, type: action, dispatch: rust_injector, retries: 0}`)].join('\n') + '\n';

describe('warm engine pools in status and metrics', () => {
  test('the dispatcher\'s local pool: /api/status and /metrics show it, and stopping the dispatcher ends its engines', async () => {
    const server = startServer(serverConfig(warmRust));
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: manifest(4), format: 'yaml' } });
    const run = await waitForRunEnd(server, body.runId);
    expect(run.status).toBe('succeeded');
    const pids = new Set<number>(run.tasks.map((t: { output: { pid: number } }) => t.output.pid));
    expect(pids.size).toBeLessThanOrEqual(2);

    const status = (await call(server, 'GET', '/api/status')).body;
    const node = status.nodes.list.find((n: { id: string }) => n.id === 'local-backends');
    expect(node.engines).toEqual([{ backend: 'rust_injector', size: 2, engines: pids.size, busy: 0, recycled: 0, crashed: 0 }]);
    const metrics = (await call(server, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('swarm_backend_engines{node="local-backends",backend="rust_injector",state="size"} 2');
    expect(metrics).toContain(`swarm_backend_engines{node="local-backends",backend="rust_injector",state="alive"} ${pids.size}`);
    expect(metrics).toContain('swarm_backend_engines{node="local-backends",backend="rust_injector",state="crashed"} 0');

    await stopServers();
    for (const pid of pids) expect(isGone(pid)).toBe(true);
  });

  test('a remote worker runs its own warm engines and reports its pool; stopping it ends them', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.worker.heartbeat_interval = 100;
      }),
    );
    const config = serverConfig((c) => {
      warmRust(c);
      c.worker.heartbeat_interval = 100;
      c.worker.capabilities.rust = true;
    });
    const worker = createWorker({ config, name: 'warm-1', dispatcherUrl: server.url.replace(/^http/, 'ws'), maxConcurrentTasks: 2 });
    workers.push(worker);
    await worker.start();
    expect(await waitUntil(() => worker.connected && worker.capabilities.includes('rust_injector'), 10_000)).toBe(true);

    const { body } = await call(server, 'POST', '/api/runs', { body: { source: manifest(3), format: 'yaml' } });
    const run = await waitForRunEnd(server, body.runId);
    expect(run.status).toBe('succeeded');
    const pids = new Set<number>(run.tasks.map((t: { output: { pid: number } }) => t.output.pid));
    expect(pids.size).toBeLessThanOrEqual(2);

    // The pool reaches the dispatcher with the worker's next heartbeat: wait for the report
    // that shows it settled (every engine idle), not for the first one.
    const expected = [{ backend: 'rust_injector', size: 2, engines: pids.size, busy: 0, recycled: 0, crashed: 0 }];
    // Each request awaited before the next: one left in flight would fail after the server stops.
    let engines: unknown;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await Bun.sleep(20)) {
      const { body: s } = await call(server, 'GET', '/api/status');
      engines = s.nodes.list.find((n: { id: string }) => n.id === 'remote:warm-1')?.engines;
      if (Bun.deepEquals(engines, expected)) break;
    }
    expect(engines).toEqual(expected);

    await worker.stop();
    workers.splice(0);
    for (const pid of pids) expect(isGone(pid)).toBe(true);
  });
});
