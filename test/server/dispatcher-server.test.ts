import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ConfigError, SwarmError } from '../../src/errors.ts';
import { call, HELLO, serverConfig, SLOW, startServer, stopServers, waitForRunEnd } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; the waits inside are bounded.
setDefaultTimeout(30_000);
afterEach(stopServers);

describe('dispatcher HTTP API', () => {
  test('port 0 listens on a free port; /health answers', async () => {
    const server = startServer(serverConfig());
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const { status, body } = await call(server, 'GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String), uptimeMs: expect.any(Number) });
  });

  test('deploy, follow, list and read a run', async () => {
    const server = startServer(serverConfig());
    const deployed = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml', name: 'renamed' } });
    expect(deployed.status).toBe(201);
    const { runId } = deployed.body;
    const result = await waitForRunEnd(server, runId);
    expect(result).toMatchObject({ runId, name: 'renamed', status: 'succeeded', totalTasks: 2, completedTasks: 2 });
    expect(result.tasks.map((t: { name: string }) => t.name)).toEqual(['a', 'b']);

    const outcome = await call(server, 'GET', `/api/runs/${runId}/outcome`);
    expect(outcome.body).toMatchObject({ runId, status: 'succeeded', totalTasks: 2, statusCounts: { succeeded: 2 } });
    expect(outcome.body.tasks.map((t: { name: string }) => t.name)).toEqual(['a', 'b']);
    expect((await call(server, 'GET', '/api/runs/nope/outcome')).status).toBe(404);

    const progress = await call(server, 'GET', `/api/runs/${runId}/progress`);
    expect(progress.body).toMatchObject({ runId, status: 'succeeded', settledTasks: 2, totalTasks: 2, runningTasks: 0 });
    const list = await call(server, 'GET', '/api/runs?limit=5');
    expect(list.body.runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);
    expect((await call(server, 'GET', '/api/runs/nope')).status).toBe(404);
    expect((await call(server, 'GET', '/api/runs?limit=-1')).status).toBe(400);
    expect((await call(server, 'POST', `/api/runs/${runId}/cancel`)).status).toBe(409);

    const report = await call(server, 'GET', '/api/status');
    expect(report.body.tasks).toEqual({ queued: 0, running: 0, completed: 2, failed: 0 });
    expect(report.body.nodes).toMatchObject({ active: 1, idle: 1, busy: 0 });
    expect(report.body.database.counts).toMatchObject({ runs: 1, tasks: 2 });
  });

  test('a bad manifest is a 400 with every issue, and nothing is recorded', async () => {
    const server = startServer(serverConfig());
    const source = 'name: bad\nsymbols:\n  - name: a\n    type: nonsense\n    dependencies: [ghost]\n';
    const { status, body } = await call(server, 'POST', '/api/runs', { body: { source, format: 'yaml' } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ name: 'ManifestError', code: 'MANIFEST_INVALID' });
    expect(body.error.issues.length).toBeGreaterThanOrEqual(2);
    expect((await call(server, 'POST', '/api/runs', { body: { format: 'yaml' } })).status).toBe(400);
    expect((await call(server, 'POST', '/api/runs', { body: 'not json' })).status).toBe(400);
    expect(server.store.counts().runs).toBe(0);
  });

  test('cancel: 202, and the run ends cancelled; status shows it active meanwhile', async () => {
    const server = startServer(serverConfig());
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: SLOW, format: 'yaml' } });
    const deadline = Date.now() + 10_000;
    while ((await call(server, 'GET', '/api/status')).body.tasks.running === 0) {
      if (Date.now() > deadline) throw new Error('the slow task never started');
      await Bun.sleep(20);
    }
    const status = (await call(server, 'GET', '/api/status')).body;
    expect(status.workflows).toMatchObject({ active: 1, running: 1, paused: 0 });
    expect(status.nodes.busy).toBe(1);
    expect((await call(server, 'POST', `/api/runs/${body.runId}/cancel`)).status).toBe(202);
    expect((await waitForRunEnd(server, body.runId)).status).toBe('cancelled');
  });

  test('/metrics: Prometheus text with the swarm gauges, the duration histogram and process metrics', async () => {
    const server = startServer(serverConfig());
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' } });
    await waitForRunEnd(server, body.runId);
    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    for (const name of ['swarm_nodes', 'swarm_node_slots', 'swarm_queue_depth', 'swarm_tasks', 'swarm_active_runs', 'swarm_task_duration_seconds_bucket', 'process_cpu_seconds_total']) {
      expect(metrics.body).toContain(`# TYPE ${name.replace(/_bucket$/, '')} `);
    }
    // Each of the two tasks observed exactly once, though its projection is written more than once.
    expect(metrics.body).toContain('swarm_task_duration_seconds_count{status="succeeded"} 2');
  });

  test('/metrics: the task states of a run that compensates add up to its tasks (one rolling back is not also succeeded)', async () => {
    const server = startServer(serverConfig());
    const saga = `name: saga
rollback_policy: saga
symbols:
  - name: done
    type: action
    parameters: {operation: noop}
    rollback: {name: undo, type: action, parameters: {operation: delay, ms: 3000}}
  - name: broken
    type: action
    dependencies: [done]
    retries: 0
    parameters: {operation: fail, message: on purpose}
`;
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: saga, format: 'yaml' } });
    const gauge = (text: string, state: string) => Number(new RegExp(`^swarm_tasks\\{state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    const deadline = Date.now() + 10_000;
    let text = '';
    while (gauge((text = (await call(server, 'GET', '/metrics')).body), 'rolling_back') !== 1) {
      if (Date.now() > deadline) throw new Error(`the rollback never started:\n${text}`);
      await Bun.sleep(20);
    }
    const states = ['waiting', 'ready', 'assigned', 'running', 'retrying', 'rolling_back', 'succeeded', 'failed', 'skipped_or_cancelled'];
    expect(Object.fromEntries(states.map((s) => [s, gauge(text, s)]))).toMatchObject({ rolling_back: 1, succeeded: 0, failed: 1 });
    expect(states.reduce((sum, s) => sum + gauge(text, s), 0)).toBe(2);
    expect((await waitForRunEnd(server, body.runId)).status).toBe('failed');
  });

  test('request bodies over max_message_size are refused with 413 (declared or streamed)', async () => {
    const server = startServer(serverConfig((c) => (c.security.max_message_size = 1024)));
    const big = JSON.stringify({ source: 'x'.repeat(2000), format: 'yaml' });
    expect((await call(server, 'POST', '/api/runs', { body: big })).status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(600)));
        controller.close();
      },
    });
    const streamed = await fetch(server.url + '/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunks, signal: AbortSignal.timeout(10_000) });
    expect(streamed.status).toBe(413);
    expect(server.store.counts().runs).toBe(0);
  });

  test('the Host must be an allowed host and an Origin the server\'s own: 403 otherwise, even for /health', async () => {
    const server = startServer(serverConfig());
    expect((await call(server, 'GET', '/health', { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await call(server, 'GET', '/health', { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    expect((await call(server, 'GET', '/api/status', { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await call(server, 'GET', '/api/status', { headers: { origin: 'null' } })).status).toBe(403);
    expect((await call(server, 'GET', '/api/status', { headers: { origin: `http://127.0.0.1:${server.port}` } })).status).toBe(200);
    // Same host name, another port or name: another origin (test/server/cross-origin.test.ts).
    expect((await call(server, 'GET', '/api/status', { headers: { origin: `http://localhost:${server.port}` } })).status).toBe(403);
  });

  test('auth: with enable_auth the API and /metrics need the bearer token; /health stays open', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.security.enable_auth = true;
        c.dispatcher.auth_token = 's3cret';
      }),
    );
    const denied = await call(server, 'GET', '/api/status');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer');
    expect(JSON.stringify(denied.body)).not.toContain('s3cret');
    expect((await call(server, 'GET', '/metrics')).status).toBe(401);
    expect((await call(server, 'GET', '/api/status', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/status', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  test('refuses to start beyond loopback without a token, naming dispatcher.auth_token', () => {
    const config = serverConfig((c) => (c.dispatcher.bind = '0.0.0.0'));
    let error: unknown;
    try {
      startServer(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0].key).toBe('dispatcher.auth_token');
  });

  test('a port in use is a clear DISPATCHER_UNREACHABLE error (exit 3), not a crash', () => {
    const first = startServer(serverConfig());
    let error: unknown;
    try {
      startServer(serverConfig(), { port: first.port });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SwarmError);
    expect((error as SwarmError).code).toBe('DISPATCHER_UNREACHABLE');
    expect((error as SwarmError).message).toContain('in use');
  });

  test('unknown routes are 404, wrong methods 405 naming the methods allowed; HEAD answers where GET does, without a body', async () => {
    const server = startServer(serverConfig());
    expect((await call(server, 'GET', '/nothing')).status).toBe(404);
    const wrong = await call(server, 'DELETE', '/api/runs');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(wrong.body.error.message).toBe('DELETE is not allowed on /api/runs; use GET, HEAD, POST.');
    for (const path of ['/health', '/api/status', '/api/runs', '/metrics']) {
      const got = await call(server, 'GET', path);
      const head = await fetch(server.url + path, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
      expect({ path, status: head.status, type: head.headers.get('content-type') }).toEqual({ path, status: got.status, type: got.headers.get('content-type') });
      expect(await head.text()).toBe('');
    }
    expect((await fetch(server.url + '/api/runs/x/cancel', { method: 'HEAD', signal: AbortSignal.timeout(10_000) })).status).toBe(405);
  });
});
