import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { ROOT, TIMEOUT, sandbox, swarm } from './helpers.ts';

/** Servers that answer HTTP but are not a swarm dispatcher: what a wrong --url reaches. */
const servers = [
  // Answers JSON to everything, with a body that looks nothing like a dispatcher's.
  Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ status: 'ok' }) }),
  // JSON null, as an error status.
  Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json(null, { status: 500 }) }),
  // A JSON 404 (another API's "not found").
  Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ error: 'not found' }, { status: 404 }) }),
  // An HTML page.
  Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('<html>hello</html>', { headers: { 'content-type': 'text/html' } }) }),
];
afterAll(async () => {
  for (const server of servers) server.stop(true);
  await killDispatchers();
});

const hello = join(ROOT, 'examples', 'hello.yaml');

describe('a --url that reaches a server that is not a dispatcher', () => {
  test('every client command says so and exits 3, whatever JSON the server answers', async () => {
    const { config } = sandbox();
    for (const server of servers) {
      const url = `http://127.0.0.1:${server.port}`;
      for (const args of [
        ['status'],
        ['status', '--json'],
        ['deploy', hello],
        ['deploy', hello, '--detach', '--quiet'],
        ['cancel', '20261206'],
        ['pause', '20261206'],
        ['replay', '20261206'],
        ['rollback', '20261206'],
      ]) {
        const result = await swarm([...args, '--url', url], config);
        const said = { args, url, code: result.code, out: result.stdout + result.stderr };
        expect({ ...said, code: result.code }).toEqual({ ...said, code: 3 });
        expect(said.out).toContain('did not answer like a swarm dispatcher');
        expect(said.out).not.toContain('undefined');
        expect(said.out).not.toContain('unexpected error');
      }
    }
  }, 4 * TIMEOUT);
});

describe("a request the dispatcher's HTTP parser refuses unread", () => {
  test('headers over its limit (a 20,000-character token): a clear error, exit 2, not "not a dispatcher"', async () => {
    // Bun answers such a request itself (a bare 431, none of the dispatcher's headers), and the
    // CLI took it for another server at a wrong --url (exit 3).
    const { config } = sandbox();
    const d = await startDispatcher(config);
    for (const args of [['deploy', hello, '--detach'], ['cancel', '20261206'], ['pause', '20261206']]) {
      const result = await swarm([...args, '--url', d.url, '--json'], config, { SWARM_AUTH_TOKEN: 'a'.repeat(20_000) });
      const said = { args, code: result.code, out: result.stdout + result.stderr };
      expect({ ...said, code: result.code }).toEqual({ ...said, code: 2 });
      const error = JSON.parse(result.stdout).error;
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain('HTTP 431');
      expect(error.message).toContain('token');
      expect(error.message).not.toContain('did not answer like a swarm dispatcher');
    }
  }, 2 * TIMEOUT);
});
