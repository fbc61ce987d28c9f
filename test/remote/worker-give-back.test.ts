import { afterEach, describe, expect, test } from 'bun:test';
import { reSimulate } from '../../actors/journal/simulation/re-simulate.ts';
import { attemptHistory } from '../../src/attempt-history.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';
import { connectWorker, stopWorkers, until } from './helpers.ts';

afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

/** Quick no-ops first (the worker starts holding work ahead), then slow ones it cannot run at once. */
function quickThenSlow(quick: number, slow: number, slowMs: number): string {
  const lines = ['name: quick-then-slow', 'symbols:'];
  for (let i = 0; i < quick; i++) lines.push(`  - {name: q${i}, type: action, priority: 10, parameters: {operation: noop}}`);
  for (let i = 0; i < slow; i++) lines.push(`  - {name: s${i}, type: action, priority: 0, parameters: {operation: delay, ms: ${slowMs}}}`);
  return `${lines.join('\n')}\n`;
}

describe('a remote worker gives back what it holds ahead when its work turns slow', () => {
  test('the returned tasks go back to ready and run later, each with one attempt; the journal re-simulates', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.coordinator.heartbeat_interval = 200;
        c.coordinator.heartbeat_timeout = 5_000;
      }),
    );
    const worker = connectWorker(server.port, 'w1', undefined, 2);
    await until('the worker to register', () => worker.connected);
    const handle = server.deploy(parseManifest(quickThenSlow(80, 12, 250)));
    const result = await handle.result;
    expect(result.status).toBe('succeeded');

    const transitions = server.store.getTransitions(handle.runId);
    const returned = transitions.filter((t) => t.event === 'task.returned');
    // Held ahead past its 2 slots when the first slow task started, then given back.
    expect(returned.length).toBeGreaterThan(0);
    for (const t of returned) expect(t).toMatchObject({ actorKind: 'task', from: 'assigned', to: 'ready' });
    // Given back is not an attempt: every task ran once, and `show`'s history says so.
    for (const task of server.store.getTasks(handle.runId)) expect(task.attempts).toBe(1);
    for (const [name, attempts] of attemptHistory(transitions)) {
      expect({ name, attempts: attempts.map((a) => a.attempt) }).toEqual({ name, attempts: [1] });
    }
    const run = server.store.getRun(handle.runId)!;
    const report = reSimulate({ runId: run.id, manifest: run.manifest as Manifest, transitions, stored: { run, tasks: server.store.getTasks(run.id) } });
    expect(report.divergence).toBeNull();
  });
});
