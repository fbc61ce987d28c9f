import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { DispatcherClient } from '../../src/cli/dispatcher-client.ts';
import { exitCodeFor } from '../../src/errors.ts';
import { call, serverConfig, SLOW, startServer, stopServers, waitForRunEnd } from './helpers.ts';

/**
 * Replay and rollback of a run still active on this dispatcher are refused as the control
 * routes refuse what the run's state does not take: 409 RUN_STATE_CONFLICT (the CLI exits 2),
 * with advice that fits that state — a run rolling back cannot be cancelled, so "cancel it
 * first" would send the user in a circle.
 */

setDefaultTimeout(30_000);
afterEach(stopServers);

type Server = ReturnType<typeof startServer>;

const SAGA = `name: saga
rollback_policy: saga
symbols:
  - name: done
    type: action
    parameters: {operation: noop}
    rollback: {name: undo, type: action, parameters: {operation: delay, ms: 4000}}
  - name: broken
    type: action
    dependencies: [done]
    retries: 0
    parameters: {operation: fail, message: on purpose}
`;

async function taskStatus(server: Server, runId: string, task: string): Promise<string> {
  const { body } = await call(server, 'GET', `/api/runs/${runId}`);
  return body.tasks.find((t: { name: string }) => t.name === task).status;
}

async function waitForTask(server: Server, runId: string, task: string, status: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await taskStatus(server, runId, task)) !== status) {
    if (Date.now() > deadline) throw new Error(`task ${task} never became ${status}`);
    await Bun.sleep(20);
  }
}

describe('replay or rollback of a run active here', () => {
  test('a running run: 409 RUN_STATE_CONFLICT, "cancel it first"; the CLI exits 2', async () => {
    const server = startServer(serverConfig());
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: SLOW, format: 'yaml' } });
    const runId = body.runId as string;
    await waitForTask(server, runId, 'wait', 'running');
    const replay = await call(server, 'POST', `/api/runs/${runId}/replay`, { body: {} });
    expect({ status: replay.status, code: replay.body.error.code }).toEqual({ status: 409, code: 'RUN_STATE_CONFLICT' });
    expect(replay.body.error.message).toBe(`Run ${runId} is still active here; cancel it first (swarm cancel ${runId}), or let it end, then replay it.`);
    const rollback = await call(server, 'POST', `/api/runs/${runId}/rollback`, { body: {} });
    expect({ status: rollback.status, code: rollback.body.error.code }).toEqual({ status: 409, code: 'RUN_STATE_CONFLICT' });
    expect(rollback.body.error.message).toBe(`Run ${runId} is still active here; cancel it first (swarm cancel ${runId}), then roll it back.`);
    // As the CLI gets it: exit 2, the dispatcher's own code carried along.
    const client = new DispatcherClient(server.url, serverConfig());
    const refused = await client.post(`/api/runs/${runId}/rollback`, {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(exitCodeFor(refused)).toBe(2);
    expect((refused as { remoteCode?: string }).remoteCode).toBe('RUN_STATE_CONFLICT');
    expect((await call(server, 'POST', `/api/runs/${runId}/cancel`, { body: {} })).status).toBe(202);
    await waitForRunEnd(server, runId);
  });

  test('a run rolling back (a saga compensating): 409, and the advice is to wait for the rollback to end, not to cancel', async () => {
    const server = startServer(serverConfig());
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: SAGA, format: 'yaml' } });
    const runId = body.runId as string;
    await waitForTask(server, runId, 'done', 'rolling_back');
    const cancel = await call(server, 'POST', `/api/runs/${runId}/cancel`, { body: {} });
    expect({ status: cancel.status, code: cancel.body.error.code }).toEqual({ status: 409, code: 'RUN_STATE_CONFLICT' });
    for (const verb of ['rollback', 'replay']) {
      const refused = await call(server, 'POST', `/api/runs/${runId}/${verb}`, { body: {} });
      expect({ verb, status: refused.status, code: refused.body.error.code }).toEqual({ verb, status: 409, code: 'RUN_STATE_CONFLICT' });
      expect(refused.body.error.message).toStartWith(`Run ${runId} is rolling back here: wait for its rollback to end`);
      expect(refused.body.error.message).not.toContain('cancel it first');
    }
    expect((await waitForRunEnd(server, runId)).status).toBe('failed');
  });

  test('a rollback by request, asked for again while it runs: 409, wait for it', async () => {
    const server = startServer(serverConfig());
    const source = SAGA.replace('rollback_policy: saga\n', '').replace(/  - name: broken[\s\S]*$/, '');
    const { body } = await call(server, 'POST', '/api/runs', { body: { source, format: 'yaml' } });
    const runId = body.runId as string;
    expect((await waitForRunEnd(server, runId)).status).toBe('succeeded');
    expect((await call(server, 'POST', `/api/runs/${runId}/rollback`, { body: {} })).status).toBe(202);
    await waitForTask(server, runId, 'done', 'rolling_back');
    const again = await call(server, 'POST', `/api/runs/${runId}/rollback`, { body: {} });
    expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 409, code: 'RUN_STATE_CONFLICT' });
    expect(again.body.error.message).toStartWith(`Run ${runId} is rolling back here: wait for its rollback to end`);
    const deadline = Date.now() + 15_000;
    while ((await call(server, 'GET', `/api/runs/${runId}`)).body.status !== 'rolled_back') {
      if (Date.now() > deadline) throw new Error('the rollback never ended');
      await Bun.sleep(30);
    }
  });
});
