import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { attemptKey } from '../../src/execution.ts';
import { toDispatcher } from '../../src/protocol/index.ts';
import { call, serverConfig, startServer, stopServers, waitForRunEnd } from '../server/helpers.ts';
import { rawWorker, stopWorkers } from './helpers.ts';

/**
 * A cancel stops what has not started at once: "nothing new starts; running symbols get
 * shutdown_grace to finish". An attempt sent to a node that has not started it (assigned: a
 * thread still starting up, work held ahead on a worker) was given the grace as if running,
 * and could start during it (an outside tester saw two of three tasks start after Ctrl-C and
 * run to their end).
 */
setDefaultTimeout(60_000);
afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

describe('cancelling a run with an attempt assigned but not started', () => {
  test('cancels it at once and tells the worker to drop it, without waiting out shutdown_grace', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.dispatcher.shutdown_grace = 60_000; // far past the wait below: only an early cancel passes
        c.coordinator.heartbeat_timeout = 60_000; // neither the ack deadline nor the worker's silence ends it
      }),
    );
    // A worker that takes the assignment and never starts it.
    const mute = await rawWorker(server.port);
    mute.send(toDispatcher.hello({ name: 'mute', capabilities: ['internal'], capacity: 1 }));
    await mute.next('welcome');
    const source = 'name: held\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n';
    const { body } = await call(server, 'POST', '/api/runs', { body: { source, format: 'yaml' } });
    const assign = await mute.next('assign');
    expect((await call(server, 'POST', `/api/runs/${body.runId}/cancel`, { body: {} })).status).toBe(202);

    const result = await waitForRunEnd(server, body.runId, 20_000);
    expect(result.status).toBe('cancelled');
    expect(result.tasks[0]).toMatchObject({ name: 'a', status: 'cancelled' });
    const abort = await mute.next('abort');
    expect(abort.key).toBe(attemptKey(assign.request));
    mute.ws.close();
  });
});
