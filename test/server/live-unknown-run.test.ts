import { afterEach, describe, expect, test } from 'bun:test';
import { call, serverConfig, startServer, stopServers } from './helpers.ts';

/**
 * The live socket's answer to watching a run that does not exist: an error with the code the
 * REST API gives an unknown run. It said nothing, as if the run had no rows yet.
 */

afterEach(stopServers);

describe('the live socket', () => {
  test('a watch of an unknown run is answered RUN_NOT_FOUND; the socket stays open', async () => {
    const server = startServer(serverConfig());
    const rest = await call(server, 'GET', '/api/runs/nope/state');
    expect(rest.status).toBe(404);
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/live');
    const messages: any[] = [];
    let wake = () => {};
    ws.onmessage = (e) => {
      messages.push(JSON.parse(String(e.data)));
      wake();
    };
    await new Promise((r) => (ws.onopen = r));
    try {
      const until = async (check: () => boolean) => {
        const deadline = Date.now() + 5_000;
        while (!check()) {
          if (Date.now() > deadline) throw new Error(`no answer within 5 s (got ${JSON.stringify(messages)})`);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 100);
          });
        }
      };
      ws.send(JSON.stringify({ type: 'watch', runId: 'nope', afterSeq: 0 }));
      await until(() => messages.length > 0);
      expect(messages[0]).toMatchObject({ type: 'error', code: rest.body.error.code });
      expect(messages[0].message).toContain('nope');
      // Not a bad message: asking again, and more, does not close the socket.
      for (let i = 0; i < 3; i++) ws.send(JSON.stringify({ type: 'watch', runId: 'nope', afterSeq: 0 }));
      await until(() => messages.length >= 4);
      expect(ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      ws.close();
    }
  });
});
