import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ConfigError } from '../../src/errors.ts';
import { accessPolicy } from '../../src/server/access.ts';
import { call, serverConfig, startServer, stopServers } from './helpers.ts';

/**
 * The access rule (README, "Access"): when a token is configured it is required from every worker and
 * client, on loopback too; with none, loopback stays open; `enable_auth = true` without a token
 * refuses to start; a bind beyond loopback requires a token.
 */

setDefaultTimeout(20_000);
afterEach(stopServers);

describe('a configured token is required on loopback too', () => {
  test('enable_auth = false, bind 127.0.0.1, a token configured: /api/*, /metrics and /workers need it; /health does not', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.auth_token = 'tok')));
    for (const path of ['/api/status', '/api/runs', '/metrics']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
        const refused = await call(server, 'GET', path, { headers });
        expect({ path, status: refused.status }).toEqual({ path, status: 401 });
        expect(refused.body.error.code).toBe('UNAUTHORIZED');
      }
      expect((await call(server, 'GET', path, { headers: { authorization: 'Bearer tok' } })).status).toBe(200);
    }
    const deploy = await call(server, 'POST', '/api/runs', { body: { source: 'name: x', format: 'yaml' } });
    expect(deploy.status).toBe(401);
    expect(server.store.counts().runs).toBe(0);
    // The worker route refuses the upgrade without the header (the hello is checked again after it).
    const upgrade = await fetch(`${server.url}/workers`, { headers: { connection: 'upgrade', upgrade: 'websocket' } });
    expect(upgrade.status).toBe(401);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  test('every key that names the token counts, and SWARM_AUTH_TOKEN overrides them', () => {
    for (const set of [
      (c: ReturnType<typeof serverConfig>) => (c.dispatcher.auth_token = 'k'),
      (c: ReturnType<typeof serverConfig>) => (c.worker.auth_token = 'k'),
      (c: ReturnType<typeof serverConfig>) => (c.security.api_key = 'k'),
    ]) {
      expect(accessPolicy(serverConfig(set), {}).token).toBe('k');
    }
    expect(accessPolicy(serverConfig(), { SWARM_AUTH_TOKEN: 'env' }).token).toBe('env');
  });

  test('with no token configured loopback stays open; enable_auth = true without one refuses to start', async () => {
    const open = startServer(serverConfig());
    expect((await call(open, 'GET', '/api/status')).status).toBe(200);
    let error: unknown;
    try {
      startServer(serverConfig((c) => (c.security.enable_auth = true)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0].key).toBe('dispatcher.auth_token');
  });
});
