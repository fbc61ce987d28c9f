/**
 * A remote worker's modules give `state.set` and `log` the same values as the local threads'
 * test (test/runtime/state-values.test.ts) and end the same way: decided in the worker's
 * thread, before the value crosses to the worker's main thread and then to the dispatcher.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { loadedManifest } from '../runtime/helpers.ts';
import { expectValues, valuesManifest } from '../runtime/state-values-cases.ts';
import { serverConfig, startServer, stopServers } from '../server/helpers.ts';
import { connectWorker, stopWorkers, until } from './helpers.ts';

afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

describe('state and log values on a remote worker', () => {
  test('functions and Symbols dropped, a BigInt refused with where, a missing key null, as on local threads', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const worker = connectWorker(server.port, 'values');
    await until('the worker to register', () => worker.connected);
    const result = await server.deploy(loadedManifest(valuesManifest())).result;
    expect(new Set(result.tasks.map((t) => t.node))).toEqual(new Set(['remote:values']));
    expectValues(result);
    expect(server.store.stateGet('cfg')).toEqual({ name: 'x', list: [null, null, 2], at: '1970-01-01T00:00:00.000Z' });
  });
});
