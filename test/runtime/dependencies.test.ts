import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { makeHarness, manifest, runningOrder, stopHarnesses, sym, taskOf } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);
afterEach(stopHarnesses);

describe('dependencies on real threads', () => {
  test('a symbol depending on ones declared later runs after them and receives their outputs', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('forward-deps', [
        // Declared first, depends on two symbols declared below it.
        sym('consumer', {
          dependencies: ['greeting', 'numbers'],
          parameters: { operation: 'module', module: './echo-context.ts', tag: 'consumer' },
        }),
        // Depends on the consumer, also declared before one of the consumer's inputs.
        sym('last', { dependencies: ['consumer'], parameters: { operation: 'module', module: './echo-context.ts' } }),
        sym('greeting', { dependencies: ['numbers'], parameters: { operation: 'echo', message: 'hello from upstream' } }),
        sym('numbers', { parameters: { operation: 'echo', message: { n: [1, 2, 3] } } }),
      ]),
    );

    expect(result.status).toBe('succeeded');
    expect(result.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

    // Dependency order, from the journal: every task entered `running` after its dependencies.
    const order = runningOrder(h.store.getTransitions(result.runId));
    expect(order).toEqual(['numbers', 'greeting', 'consumer', 'last']);

    // The same order from the projection's timestamps (ties allowed: ms resolution).
    const started = (name: string) => taskOf(result, name).startedAt!;
    const finished = (name: string) => taskOf(result, name).finishedAt!;
    expect(started('greeting')).toBeGreaterThanOrEqual(finished('numbers'));
    expect(started('consumer')).toBeGreaterThanOrEqual(finished('greeting'));
    expect(started('last')).toBeGreaterThanOrEqual(finished('consumer'));

    // The module received exactly the outputs of its direct dependencies.
    const consumer = taskOf(result, 'consumer').output as Record<string, unknown>;
    expect(consumer.dependencies).toEqual({ greeting: 'hello from upstream', numbers: { n: [1, 2, 3] } });
    expect(consumer.parameters).toMatchObject({ module: './echo-context.ts', tag: 'consumer' });
    expect(consumer.attempt).toBe(1);
    expect(consumer.runId).toBe(result.runId);
    expect(consumer.symbol).toBe('consumer');
    expect(consumer.hasSignal).toBe(true);

    const last = taskOf(result, 'last').output as Record<string, unknown>;
    expect(last.dependencies).toEqual({ consumer });
  });

  test('state.set then a dependent state.get: the value comes back and is in the state table', async () => {
    const h = makeHarness();
    const key = `runtime-test.${crypto.randomUUID()}`;
    const value = { greeting: 'hi', list: [1, 'two', { three: 3 }], nothing: null };
    const result = await h.run(
      manifest('state-ops', [
        sym('read', { type: 'query', dependencies: ['write'], parameters: { operation: 'state.get', key } }),
        sym('write', { type: 'state', parameters: { operation: 'state.set', key, value } }),
        sym('read-missing', { type: 'query', parameters: { operation: 'state.get', key: `${key}.absent` } }),
      ]),
    );

    expect(result.status).toBe('succeeded');
    expect(taskOf(result, 'write').output).toEqual({ key, value });
    expect(taskOf(result, 'read').output).toEqual(value);
    expect(taskOf(result, 'read-missing').output).toBeNull();
    expect(h.store.stateGet(key)).toEqual(value);
  });
});
