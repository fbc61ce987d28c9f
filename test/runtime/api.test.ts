import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher as fromPackage } from '@wp-praxis/swarm';
import { createDispatcher } from '../../src/api/create-dispatcher.ts';
import { createWorker } from '../../src/api/create-worker.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { REPO_ROOT, withTimeout } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);

describe('createDispatcher', () => {
  test('the package name resolves to the same API (self-reference)', () => {
    expect(typeof fromPackage).toBe('function');
    expect(fromPackage).toBe(createDispatcher);
  });

  test('runs examples/hello.yaml on threads into a SQLite file and reports the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-api-test-'));
    const stateDbPath = join(dir, 'swarm-state.db');
    const dispatcher = fromPackage({ stateDbPath, localWorkers: 2 });
    let stopped = false;
    try {
      expect(dispatcher.config.dispatcher.local_workers).toBe(2);
      expect(dispatcher.config.dispatcher.state_db_path).toBe(stateDbPath);
      await dispatcher.start();
      const result = await withTimeout(
        dispatcher.dispatchFromFile(join(REPO_ROOT, 'examples/hello.yaml')),
        20_000,
        'dispatchFromFile(examples/hello.yaml)',
      );
      expect(typeof result.runId).toBe('string');
      expect(result.status).toBe('succeeded');
      expect(result.totalTasks).toBe(6);
      expect(result.completedTasks).toBe(6);
      expect(result.failedTasks).toBe(0);
      expect(result.tasks.map((t) => t.name)).toEqual(['noop', 'greet', 'remember-greeting', 'read-greeting', 'pause', 'finish']);
      for (const task of result.tasks) {
        expect(task).toMatchObject({ status: 'succeeded', attempts: 1, error: null, node: 'local' });
        expect(task).toHaveProperty('output');
      }
      expect(result.tasks.find((t) => t.name === 'read-greeting')!.output).toBe('Hello from the swarm');

      await withTimeout(dispatcher.stop(), 10_000, 'dispatcher.stop()');
      stopped = true;

      // Durable: another connection to the file sees the finished run and the shared state.
      expect(existsSync(stateDbPath)).toBe(true);
      const reopened = new SqliteStore(stateDbPath);
      try {
        expect(reopened.getRun(result.runId)?.status).toBe('succeeded');
        expect(reopened.getTasks(result.runId).map((t) => t.status)).toEqual(Array(6).fill('succeeded'));
        expect(reopened.stateGet('hello.greeting')).toBe('Hello from the swarm');
        expect(reopened.getTransitions(result.runId).length).toBeGreaterThan(0);
      } finally {
        reopened.close();
      }
    } finally {
      if (!stopped) await dispatcher.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dispatch() validates and runs a manifest object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-api-test-'));
    const dispatcher = createDispatcher({ stateDbPath: join(dir, 'state.db'), localWorkers: 1 });
    try {
      await dispatcher.start();
      const result = await withTimeout(
        dispatcher.dispatch({
          name: 'inline',
          symbols: [
            { name: 'hi', type: 'action', parameters: { operation: 'echo', message: 'hi' } },
            { name: 'bye', type: 'action', dependencies: ['hi'], parameters: { operation: 'echo', message: 'bye' } },
          ],
        }),
        20_000,
        'dispatch()',
      );
      expect(result.status).toBe('succeeded');
      expect(result.tasks.map((t) => t.output)).toEqual(['hi', 'bye']);
      await expect(dispatcher.dispatch({ name: 'bad', symbols: [] })).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    } finally {
      await dispatcher.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with enableWebSocket it listens from start(): a createWorker joins it and runs the workflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-api-test-'));
    const config = validateConfig({
      logging: { file: '', console: false },
      coordinator: { heartbeat_interval: 200, heartbeat_timeout: 2_000 },
      worker: { heartbeat_interval: 200 },
    }).config;
    const dispatcher = createDispatcher({ config, stateDbPath: join(dir, 'state.db'), enableWebSocket: true, websocketPort: 0, localWorkers: 0 });
    expect(() => dispatcher.store).toThrow(/start\(\) first/);
    await dispatcher.start();
    const url = dispatcher.url!;
    expect(url).toStartWith('http://127.0.0.1:');
    const worker = createWorker({ config, name: 'api-worker', dispatcherUrl: url.replace('http', 'ws') });
    try {
      await worker.start();
      const result = await withTimeout(dispatcher.dispatchFromFile(join(REPO_ROOT, 'examples/hello.yaml')), 20_000, 'the run on the worker');
      expect(result.status).toBe('succeeded');
      expect(new Set(result.tasks.map((t) => t.node))).toEqual(new Set(['remote:api-worker']));
      const status = (await (await fetch(`${url}/api/status`)).json()) as { nodes: { active: number }; tasks: { completed: number } };
      expect(status.nodes.active).toBe(1);
      expect(status.tasks.completed).toBe(6);
    } finally {
      await worker.stop();
      await dispatcher.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
