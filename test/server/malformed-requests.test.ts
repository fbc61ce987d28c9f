import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { SwarmLogger } from '../../src/logger.ts';
import { startDispatcherServer, type DispatcherServer } from '../../src/server/dispatcher-server.ts';
import { call, HELLO, serverConfig, startServer, stopServers, waitForRunEnd } from './helpers.ts';

/**
 * Requests fetch() would never send (it normalises Host and the request line), written on a raw
 * socket: each must get the JSON error contract, with no path, source line or stack in it.
 */

setDefaultTimeout(20_000);
const silent = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;
afterEach(stopServers);

interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/** Sends `head` (and `body`) as they are and reads the whole answer (the request asks for a close). */
function raw(server: DispatcherServer, head: string, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, headers: text.slice(0, split), body: text.slice(split + 4) });
    });
  });
}

/** The error document of a response, checked to carry nothing about the dispatcher's insides. */
function errorOf(response: RawResponse): { name: string; code: string; message: string } {
  expect(response.headers.toLowerCase()).toContain('content-type: application/json');
  expect(response.body.length).toBeLessThan(1_000);
  expect(response.body).not.toContain(process.cwd());
  expect(response.body).not.toContain('.ts:');
  const parsed = JSON.parse(response.body) as { error: { name: string; code: string; message: string } };
  expect(typeof parsed.error.message).toBe('string');
  return parsed.error;
}

describe('malformed requests get the JSON error contract, never a development page', () => {
  test('a malformed Host header is a 400 BAD_HOST, with or without the token', async () => {
    const open = startServer(serverConfig());
    const guarded = startServer(serverConfig((c) => (c.dispatcher.auth_token = 'tok')));
    for (const server of [open, guarded]) {
      for (const host of ['localhost:99999', '', 'evil.com:80@localhost', 'localhost:abc', 'localhost:0', '[::1']) {
        const response = await raw(server, `GET /api/status HTTP/1.1\r\nHost: ${host}`);
        expect({ host, status: response.status }).toEqual({ host, status: 400 });
        expect(errorOf(response).code).toBe('BAD_HOST');
      }
      // /health too, and a missing Host is not an allowed one.
      expect(errorOf(await raw(server, `GET /health HTTP/1.1\r\nHost: localhost:99999`)).code).toBe('BAD_HOST');
      const noHost = await raw(server, 'GET /health HTTP/1.0');
      expect(noHost.status).toBe(403);
      expect(errorOf(noHost).code).toBe('HOST_NOT_ALLOWED');
      // Well-formed hosts still pass.
      expect((await raw(server, `GET /health HTTP/1.1\r\nHost: localhost:${server.port}`)).status).toBe(200);
      expect((await raw(server, `GET /health HTTP/1.1\r\nHost: 127.0.0.1`)).status).toBe(200);
    }
  });

  test('a malformed percent escape in the path is a 400 BAD_PATH, not a 500', async () => {
    const server = startServer(serverConfig());
    for (const path of ['/api/runs/%', '/api/runs/%zz/progress', '/api/runs/%E0%A4%A/cancel']) {
      const method = path.endsWith('cancel') ? 'POST' : 'GET';
      const response = await raw(server, `${method} ${path} HTTP/1.1\r\nHost: localhost`);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(errorOf(response).code).toBe('BAD_PATH');
    }
    // A well-formed escape of an unknown run is still a 404.
    expect((await call(server, 'GET', '/api/runs/%41bc')).status).toBe(404);
  });

  test('bad query values and bodies are 400 or 415 with a code, never a 500', async () => {
    const server = startServer(serverConfig());
    for (const limit of ['abc', '-1', '1e400', '1.5', '', '0x10']) {
      const response = await call(server, 'GET', `/api/runs?limit=${encodeURIComponent(limit)}`);
      expect({ limit, status: response.status, code: response.body.error?.code }).toEqual({ limit, status: 400, code: 'USAGE' });
    }
    for (const body of ['[]', '"text"', '42', 'null', '{"source": 1}', '{not json', '']) {
      const response = await call(server, 'POST', '/api/runs', { body });
      expect({ body, status: response.status, code: response.body.error?.code }).toEqual({ body, status: 400, code: 'USAGE' });
    }
    // The message names the field.
    const badSource = await call(server, 'POST', '/api/runs', { body: '{"source": 1}' });
    expect(badSource.body.error.message).toStartWith('Bad deploy request: source: ');
    // A field the route does not know (a typo) is refused, not ignored.
    const typo = await call(server, 'POST', '/api/runs', { body: { source: 'name: x\nsymbols: []\n', fromat: 'yaml' } });
    expect({ status: typo.status, message: typo.body.error.message }).toEqual({ status: 400, message: expect.stringContaining('fromat') });
    // A name of only white space is refused, as "" is (and as a manifest's or the config's is).
    const blank = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml', name: ' \t ' } });
    expect({ status: blank.status, message: blank.body.error.message }).toEqual({ status: 400, message: expect.stringContaining('"name" must not be blank') });
    const deployed = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' } });
    await waitForRunEnd(server, deployed.body.runId);
    const replayTypo = await call(server, 'POST', `/api/runs/${deployed.body.runId}/replay`, { body: { form: 'a' } });
    expect({ status: replayTypo.status, message: replayTypo.body.error.message }).toEqual({ status: 400, message: expect.stringContaining('form') });
    const wrongType = await raw(server, `POST /api/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 2`, '{}');
    expect(wrongType.status).toBe(415);
    expect(errorOf(wrongType).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // No Content-Type at all is refused as well (a browser sends a body-less POST to another
    // site that way without asking first); +json types are JSON.
    const untyped = await raw(server, `POST /api/runs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2`, '{}');
    expect(untyped.status).toBe(415);
    expect(errorOf(untyped).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // Bytes that are not UTF-8 (a manifest saved as Latin-1) are refused, not stored as U+FFFD.
    const latin1 = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"source": "name: caf'), Buffer.from([0xe9]), Buffer.from('", "format": "yaml"}')]),
    });
    expect(latin1.status).toBe(400);
    expect(((await latin1.json()) as { error: { message: string } }).error.message).toContain('not UTF-8');
    // JSON's escape of half a character decodes to text UTF-8 cannot hold: refused with where.
    for (const [body, where] of [
      ['{"source": "name: t\\nx: \\ud83d\\n", "format": "yaml"}', '$.source'],
      ['{"source": "name: t\\n", "name": "w\\udc00"}', '$.name'],
    ] as const) {
      const half = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(half.status).toBe(400);
      const { error } = (await half.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain(`a lone UTF-16 surrogate at ${where}`);
    }
    const vendor = await call(server, 'POST', '/api/runs', { body: '{}', headers: { 'content-type': 'application/vnd.swarm+json; charset=utf-8' } });
    expect(vendor.status).toBe(400);
    expect(vendor.body.error.code).toBe('USAGE');
  });

  test('a request line or headers Bun cannot read are refused without a page or a crash', async () => {
    const server = startServer(serverConfig());
    for (const head of ['GARBAGE', `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(100_000)}`, 'GET /health HTTP/1.1\r\nHost: local host']) {
      const response = await raw(server, head);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body).not.toContain('<html');
      expect(response.body).not.toContain(process.cwd());
    }
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  test("the dispatcher's own failures say what kind, never the database's path", async () => {
    // Its own server, not the shared harness: the store is closed under it, so its stop fails.
    const config = serverConfig();
    const server = startDispatcherServer(config, { port: 0, env: {}, log: silent });
    try {
      server.store.close();
      const response = await raw(server, 'GET /api/runs HTTP/1.1\r\nHost: localhost');
      expect(response.status).toBe(500);
      expect(['INTERNAL', 'STORE_UNAVAILABLE']).toContain(errorOf(response).code);
      expect(response.body).not.toContain(config.dispatcher.state_db_path);
    } finally {
      await server.stop().catch(() => {});
      rmSync(dirname(config.dispatcher.state_db_path), { recursive: true, force: true });
    }
  });
});
