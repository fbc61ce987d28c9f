import { afterEach, describe, expect, test } from 'bun:test';
import { call, HELLO, serverConfig, startServer, stopServers, waitForRunEnd } from './helpers.ts';

/**
 * A cursor (`?at=SEQ`) outside a run's journal moves every view to the nearest end of it, as the
 * run's state does: the task drawer echoed the seq it was given (`"at": 999999`) instead.
 */

afterEach(stopServers);

describe('a time cursor outside the journal', () => {
  test('the task and timeline routes name the seq the state route does: past the end, the last; before the start, the first', async () => {
    const server = startServer(serverConfig());
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' } });
    await waitForRunEnd(server, body.runId);
    const get = async (path: string) => (await call(server, 'GET', `/api/runs/${body.runId}/${path}`)).body;
    for (const at of [999_999, 0]) {
      const state = await get(`state?at=${at}`);
      expect({ at, task: (await get(`tasks/a?at=${at}`)).at, timeline: (await get(`timeline?at=${at}`)).at }).toEqual({ at, task: state.at, timeline: state.at });
    }
    expect((await get('state?at=999999')).at).toBe((await get('state')).lastSeq);
  });
});
