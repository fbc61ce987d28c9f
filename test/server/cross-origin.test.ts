import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { call, HELLO, serverConfig, SLOW, startServer, stopServers, waitForRunEnd } from './helpers.ts';
import { rawWorker, until } from '../remote/helpers.ts';

/**
 * A browser page on another origin — another port of the same host included (a dev server on
 * http://localhost:3000) — cannot act on a dispatcher, nor read it through the dashboard's
 * cookie, which browsers send to every port of a host: an Origin must be the dispatcher's own
 * scheme, host and port; a POST must declare a JSON body, which no "simple" cross-site request
 * can; and /workers takes no browser at all. Requests without an Origin (the CLI, curl,
 * workers) are unaffected.
 */

setDefaultTimeout(30_000);
afterEach(stopServers);

type Server = ReturnType<typeof startServer>;

/** A POST as a page on another origin makes it without a preflight: text/plain, an empty body. */
const simplePost = (server: Server, path: string, origin: string, headers: Record<string, string> = {}) =>
  call(server, 'POST', path, { body: '', headers: { origin, 'content-type': 'text/plain', ...headers } });

async function runningRun(server: Server, headers: Record<string, string> = {}): Promise<string> {
  const { body } = await call(server, 'POST', '/api/runs', { body: { source: SLOW, format: 'yaml' }, headers });
  await until('the slow task to run', () => server.dispatcher.queuedCount() === 0 && server.dispatcher.nodeLoads().some((n) => n.freeSlots < n.capacity));
  return body.runId as string;
}

const upgrade = (server: Server, path: string, headers: Record<string, string>) =>
  fetch(server.url + path, { headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers } });

describe('an Origin must be the dispatcher\'s own: scheme, host and port', () => {
  test('a page on another port of localhost cannot cancel, pause, resume, roll back, replay or deploy (no token configured)', async () => {
    const server = startServer(serverConfig());
    const runId = await runningRun(server);
    const origins = [
      'http://localhost:3000',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      `http://localhost:${server.port}`, // another host name for the same socket is another origin
      'null',
    ];
    for (const origin of origins) {
      for (const path of ['cancel', 'pause', 'resume', 'rollback', 'replay'].map((verb) => `/api/runs/${runId.slice(0, 10)}/${verb}`).concat('/api/runs')) {
        for (const answer of [await simplePost(server, path, origin), await call(server, 'POST', path, { body: {}, headers: { origin } })]) {
          expect({ origin, path, status: answer.status, code: answer.body.error?.code }).toEqual({ origin, path, status: 403, code: 'ORIGIN_NOT_ALLOWED' });
        }
      }
      // Reads too (a cross-origin fetch carries Origin): the page learns nothing.
      expect((await call(server, 'GET', `/api/runs/${runId}`, { headers: { origin } })).status).toBe(403);
    }
    const refused = await simplePost(server, `/api/runs/${runId}/cancel`, 'http://localhost:3000');
    expect(refused.body.error.message).toContain(`its own origin (http://127.0.0.1:${server.port}`);
    expect(server.store.counts().runs).toBe(1);
    expect((await call(server, 'GET', `/api/runs/${runId}/progress`)).body.status).toBe('running');
    // The dispatcher's own page (same scheme, host and port) acts: the dashboard's controls.
    const own = await call(server, 'POST', `/api/runs/${runId}/cancel`, { body: {}, headers: { origin: `http://127.0.0.1:${server.port}` } });
    expect(own.status).toBe(202);
    expect((await waitForRunEnd(server, runId)).status).toBe('cancelled');
  });

  test('the page reached by another allowed name, or through a TLS proxy that says so, is its own origin', async () => {
    const server = startServer(serverConfig());
    const viaLocalhost = { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` };
    expect((await call(server, 'GET', '/api/status', { headers: viaLocalhost })).status).toBe(200);
    const proxied = { host: 'localhost', origin: 'https://localhost', 'x-forwarded-proto': 'https' };
    expect((await call(server, 'GET', '/api/status', { headers: proxied })).status).toBe(200);
    // Without the proxy's word the page would be an http one: https://localhost is another origin.
    expect((await call(server, 'GET', '/api/status', { headers: { host: 'localhost', origin: 'https://localhost' } })).status).toBe(403);
    expect((await call(server, 'GET', '/api/status', { headers: { host: 'localhost', origin: 'http://localhost' } })).status).toBe(200);
  });
});

describe('a POST must declare a JSON body', () => {
  test('text/plain, a form or no Content-Type is 415 on every POST route, with no Origin too; the CLI\'s JSON passes', async () => {
    const server = startServer(serverConfig());
    const runId = await runningRun(server);
    for (const verb of ['cancel', 'pause', 'resume', 'rollback', 'replay']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
        const response = await fetch(`${server.url}/api/runs/${runId}/${verb}`, {
          method: 'POST',
          ...(type !== null && { headers: { 'content-type': type } }),
          signal: AbortSignal.timeout(10_000),
        });
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect({ verb, type, status: response.status, code: error.code }).toEqual({ verb, type, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
        expect(error.message).toContain('Content-Type: application/json');
      }
    }
    expect((await call(server, 'GET', `/api/runs/${runId}/progress`)).body.status).toBe('running');
    // As the CLI sends it: Content-Type: application/json and a body of {}.
    expect((await call(server, 'POST', `/api/runs/${runId}/pause`, { body: {} })).status).toBe(202);
    expect((await call(server, 'POST', `/api/runs/${runId}/cancel`, { body: {} })).status).toBe(202);
    expect((await waitForRunEnd(server, runId)).status).toBe('cancelled');
  });
});

describe('with a token: the dashboard cookie, sent by browsers to every port of the host, does not let another origin in', () => {
  test('the live socket refuses a cross-origin upgrade carrying the cookie, and streams to the page\'s own origin', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.auth_token = 'tok')));
    const cookie = 'swarm_token=tok';
    const ownOrigin = `http://127.0.0.1:${server.port}`;
    for (const origin of ['http://localhost:3000', `http://127.0.0.1:${server.port + 1}`]) {
      const refused = await upgrade(server, '/api/live', { origin, cookie });
      expect({ origin, status: refused.status }).toEqual({ origin, status: 403 });
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_NOT_ALLOWED');
      // With a real WebSocket client: it never opens.
      const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/live', { headers: { origin, cookie } } as never);
      const opened = await new Promise<boolean>((resolve) => {
        ws.addEventListener('open', () => resolve(true));
        ws.addEventListener('close', () => resolve(false));
      });
      expect(opened).toBe(false);
    }
    // A cross-origin read and a cross-origin control with the cookie: refused as well.
    expect((await call(server, 'GET', '/api/runs', { headers: { origin: 'http://localhost:3000', cookie } })).status).toBe(403);
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' }, headers: { authorization: 'Bearer tok' } });
    // The dashboard's own page, at its own origin, opens the socket with the cookie and gets rows.
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/live', { headers: { origin: ownOrigin, cookie } } as never);
    const rows: unknown[] = [];
    ws.addEventListener('message', (e) => {
      const message = JSON.parse(String(e.data));
      if (message.type === 'rows') rows.push(...message.rows);
    });
    await new Promise((resolve) => ws.addEventListener('open', resolve));
    ws.send(JSON.stringify({ type: 'watch', runId: body.runId, afterSeq: 0 }));
    await until('journal rows on the own-origin socket', () => rows.length > 0);
    ws.close();
  });

  test('/workers refuses any browser (an Origin header), its own dashboard\'s origin included; workers send none', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    for (const origin of ['http://localhost:3000', `http://127.0.0.1:${server.port}`]) {
      const refused = await upgrade(server, '/workers', { origin });
      expect({ origin, status: refused.status }).toEqual({ origin, status: 403 });
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_NOT_ALLOWED');
    }
    // A worker's connection (no Origin) upgrades as before.
    const raw = await rawWorker(server.port);
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
    raw.ws.close();
  });

  test('/workers takes only GET: another method is a 405 naming it, a GET that is no upgrade a 400', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    const post = await fetch(`http://127.0.0.1:${server.port}/workers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    const get = await fetch(`http://127.0.0.1:${server.port}/workers`);
    expect(get.status).toBe(400);
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe('NOT_A_WEBSOCKET');
  });
});
