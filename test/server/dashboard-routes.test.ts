import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { applySummary, type RowsSummary, type ViewTask } from '../../src/journal-view.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/server/security-headers.ts';
import { call, HELLO, serverConfig, startServer, stopServers } from './helpers.ts';

/**
 * The dashboard on the dispatcher's server, without a browser: the page and its assets behind
 * the same host and token checks as the API, the strict CSP, the cookie login, the JSON shapes
 * of the read routes and the live socket. (The pages themselves: test/browser/, under Node.)
 */

setDefaultTimeout(20_000);
const PAGE_DIR = join(import.meta.dir, '..', '..', 'src', 'dashboard', 'page');
afterEach(stopServers);

const auth = { authorization: 'Bearer tok' };

async function withRun(source = HELLO) {
  const server = startServer(serverConfig((c) => (c.dispatcher.auth_token = 'tok')));
  const { body } = await call(server, 'POST', '/api/runs', { body: { source, format: 'yaml' }, headers: auth });
  await waitForRunEnd2(server, body.runId);
  return { server, runId: body.runId as string };
}

async function waitForRunEnd2(server: ReturnType<typeof startServer>, runId: string) {
  // helpers.waitForRunEnd reads without a token.
  for (;;) {
    const { body } = await call(server, 'GET', `/api/runs/${runId}`, { headers: auth });
    if (body.status === 'succeeded' || body.status === 'failed') return body;
    await Bun.sleep(20);
  }
}

describe('the page and its assets', () => {
  test('are served with a strict CSP, no inline script, and behind the token', async () => {
    const { server, runId } = await withRun();
    for (const path of ['/', `/runs/${runId}`, '/nodes', '/assets/app.js', '/assets/app.css', '/assets/icon.svg']) {
      const refused = await fetch(server.url + path);
      expect({ path, status: refused.status }).toEqual({ path, status: 401 });
      expect(((await refused.json()) as any).error.code).toBe('UNAUTHORIZED');
      const ok = await fetch(server.url + path, { headers: auth });
      expect({ path, status: ok.status }).toEqual({ path, status: 200 });
      expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    const html = await (await fetch(server.url + '/', { headers: auth })).text();
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    // An icon of its own: without one a browser asks for /favicon.ico, a 404 in its console.
    expect(html).toContain('<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">');
    expect(html).not.toMatch(/<script>|<style|style=|\son\w+=/);
    // The page's own code never parses values as markup (preact's bundle names innerHTML itself).
    for (const file of new Bun.Glob('*.ts').scanSync(PAGE_DIR)) {
      expect({ file, text: await Bun.file(join(PAGE_DIR, file)).text() }).not.toEqual({ file, text: expect.stringMatching(/innerHTML|insertAdjacentHTML|\beval\(|new Function|document\.write/) });
    }
  });

  test('a page URL with a slash at the end is sent to the one without, query kept', async () => {
    const { server, runId } = await withRun();
    const moved = await fetch(`${server.url}/runs/${runId}/?at=3`, { redirect: 'manual' });
    expect(moved.status).toBe(308);
    expect(moved.headers.get('location')).toBe(`/runs/${runId}?at=3`);
    // Not cached, nor a referrer: the query may hold a ?token= on its way to the login.
    expect(moved.headers.get('cache-control')).toBe('no-store');
    expect(moved.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${server.url}/nodes/`, { redirect: 'manual' })).headers.get('location')).toBe('/nodes');
    // Followed, it is the page (behind the token as ever).
    expect((await fetch(`${server.url}/runs/${runId}/`, { headers: auth })).status).toBe(200);
  });

  test('?token= sets an HttpOnly SameSite=Strict cookie and redirects to the URL without it; a wrong one is 401', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.auth_token = 'tok')));
    const login = await fetch(`${server.url}/nodes?token=tok&x=1`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/nodes?x=1');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^swarm_token=tok; Path=\/; HttpOnly; SameSite=Strict$/);
    const withCookie = { cookie: 'swarm_token=tok' };
    expect((await fetch(server.url + '/', { headers: withCookie })).status).toBe(200);
    expect((await call(server, 'GET', '/api/runs', { headers: withCookie })).status).toBe(200);
    // The cookie reads only: what changes something still needs the header.
    const deploy = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' }, headers: withCookie });
    expect(deploy.status).toBe(401);
    const wrong = await fetch(`${server.url}/?token=nope`, { redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  test('a foreign Host or Origin is 403 on pages, assets and the live socket; writes to dashboard paths are 405', async () => {
    const server = startServer(serverConfig());
    for (const path of ['/', '/assets/app.js', '/api/live', '/api/nodes']) {
      for (const [headers, code] of [
        [{ host: 'evil.example' }, 'HOST_NOT_ALLOWED'],
        [{ origin: 'http://evil.example' }, 'ORIGIN_NOT_ALLOWED'],
      ] as [Record<string, string>, string][]) {
        const { status, body } = await call(server, 'GET', path, { headers });
        expect({ path, status }).toEqual({ path, status: 403 });
        expect(body.error.code).toBe(code);
      }
    }
    const post = await call(server, 'POST', '/api/nodes', { body: {} });
    expect(post.status).toBe(405);
    expect(post.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await call(server, 'GET', '/assets/nope.js')).body.error.code).toBe('NOT_FOUND');
  });
});

describe("a task's path", () => {
  test('a task compensated by a saga: two lives of its actor, not a transition from succeeded back to pending', async () => {
    const { server, runId } = await withRun(`name: saga
rollback_policy: saga
symbols:
  - {name: a, type: action, parameters: {operation: noop}, rollback: {name: undo-a, type: action, parameters: {operation: noop}}}
  - {name: b, type: action, dependencies: [a], retries: 0, parameters: {operation: fail, message: no}}
`);
    const { body } = await call(server, 'GET', `/api/runs/${runId}/tasks/a`, { headers: auth });
    expect(body.state).toBe('rolled_back');
    expect(body.path).toEqual([
      ['pending', 'ready', 'assigned', 'running', 'succeeded'],
      ['pending', 'rolling_back', 'rolled_back'],
    ]);
  });
});

describe('journal rows over HTTP', () => {
  test("carry errors without their stacks (the dispatcher's own files); the journal keeps them", async () => {
    const { server, runId } = await withRun(`name: broken
symbols:
  - {name: a, type: action, retries: 0, parameters: {operation: fail, message: no}}
`);
    const page = await call(server, 'GET', `/api/runs/${runId}/journal?limit=1000`, { headers: auth });
    const detail = await call(server, 'GET', `/api/runs/${runId}/tasks/a`, { headers: auth });
    const failed = page.body.rows.find((r: any) => r.to === 'failed');
    expect(failed.payload).toBeDefined();
    expect(JSON.stringify(failed.payload)).toContain('"message"');
    for (const body of [page.body, detail.body]) expect(JSON.stringify(body)).not.toContain('"stack"');
    // The journal itself still has them, for `swarm history --json` on the host.
    expect(JSON.stringify(server.store.getTransitions(runId))).toContain('"stack"');
  });
});

describe('the JSON read routes', () => {
  test('runs (paged, filtered), graph, state now and at a seq, journal pages, a task, nodes, the statechart', async () => {
    const { server, runId } = await withRun();
    const get = async (path: string) => {
      const { status, body } = await call(server, 'GET', path, { headers: auth });
      expect({ path, status }).toEqual({ path, status: 200 });
      return body;
    };
    const list = await get('/api/runs?limit=1&offset=0&status=succeeded&workflow=tiny');
    expect(list.runs.map((r: any) => r.runId)).toEqual([runId]);
    expect(list.hasMore).toBe(false);
    expect((await get('/api/runs?workflow=other')).runs).toEqual([]);
    const bogus = (await call(server, 'GET', '/api/runs?status=bogus', { headers: auth })).body.error;
    expect(bogus.code).toBe('USAGE');
    // Named as the request has it, not as the CLI's option.
    expect(bogus.message).toStartWith('query parameter status: unknown "bogus"');
    expect((await call(server, 'GET', '/api/runs?since=soon', { headers: auth })).body.error.message).toStartWith('query parameter since');
    // A date that does not exist is refused as the CLI's --since refuses it, not rolled over.
    const impossible = await call(server, 'GET', '/api/runs?since=2026-02-30', { headers: auth });
    expect(impossible.status).toBe(400);
    expect(impossible.body.error.message).toStartWith('query parameter since: 2026-02-30 is not a date: February 2026 has 28 days');

    const graph = await get(`/api/runs/${runId}/graph`);
    expect(graph.symbols.map((s: any) => s.name)).toEqual(['a', 'b']);
    expect(graph.layout.nodes.map((n: any) => n.id).sort()).toEqual(['a', 'b']);
    expect(graph.layout.edges).toHaveLength(1);

    const now = await get(`/api/runs/${runId}/state`);
    expect(now.interrupted).toBe(false);
    expect(now.runState).toBe('succeeded');
    expect(now.tasks.map((t: any) => [t.name, t.state])).toEqual([['a', 'succeeded'], ['b', 'succeeded']]);
    const journal = await get(`/api/runs/${runId}/journal?symbol=a&limit=1000`);
    const aRunning = journal.rows.find((r: any) => r.to === 'running');
    const then = await get(`/api/runs/${runId}/state?at=${aRunning.seq}`);
    expect(then.at).toBe(aRunning.seq);
    expect(then.divergence).toBeNull();
    expect(then.tasks.map((t: any) => [t.name, t.state])).toEqual([['a', 'running'], ['b', 'pending']]);
    // Outside the run's rows: the nearest end, never `at: null` (which reads as live).
    expect((await get(`/api/runs/${runId}/state?at=0`)).at).toBe(now.firstSeq ?? then.firstSeq);
    expect((await get(`/api/runs/${runId}/state?at=99999999`)).at).toBe(then.lastSeq);

    const page1 = await get(`/api/runs/${runId}/journal?limit=2`);
    expect(page1.rows).toHaveLength(2);
    const page2 = await get(`/api/runs/${runId}/journal?limit=2&afterSeq=${page1.nextAfterSeq}`);
    expect(page2.rows[0].seq).toBeGreaterThan(page1.rows[1].seq);
    const cut = await get(`/api/runs/${runId}/journal?until=${aRunning.seq}&limit=1000`);
    expect(cut.rows.at(-1).seq).toBe(aRunning.seq);
    expect(cut.nextAfterSeq).toBeNull();

    const task = await get(`/api/runs/${runId}/tasks/a`);
    expect(task.state).toBe('succeeded');
    expect(task.path).toEqual([['pending', 'ready', 'assigned', 'running', 'succeeded']]);
    expect(task.attempts.map((a: any) => a.result)).toEqual(['succeeded']);
    expect(task.result.output).toBe('hi');
    expect((await get(`/api/runs/${runId}/tasks/a?at=${aRunning.seq}`)).state).toBe('running');
    const unknown = await call(server, 'GET', `/api/runs/${runId}/tasks/zzz`, { headers: auth });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'TASK_NOT_FOUND']);
    expect((await call(server, 'GET', `/api/runs/nope/graph`, { headers: auth })).body.error.code).toBe('RUN_NOT_FOUND');
    // A unique prefix of the id names the run on every run route, as on the API's own.
    const prefix = runId.slice(0, -3);
    for (const path of ['summary', 'graph', 'state', 'timeline', 'journal?limit=1', 'tasks/a']) await get(`/api/runs/${prefix}/${path}`);
    expect((await get(`/api/runs/${prefix}/summary`)).runId).toBe(runId);
    expect((await get(`/api/runs/${prefix}/journal?limit=1`)).runId).toBe(runId);

    expect((await get('/api/nodes')).nodes.length).toBeGreaterThan(0);
    const chart = await get('/api/machines/task');
    expect(chart.states).toContain('running');
    expect(chart.edges).toContainEqual({ from: 'failed', to: 'retrying', event: 'always' });
  });
});

describe('the live socket', () => {
  test('needs the token, sends the rows after afterSeq, then new rows as they commit', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.auth_token = 'tok')));
    const wsUrl = server.url.replace('http', 'ws') + '/api/live';
    expect((await fetch(server.url + '/api/live', { headers: { connection: 'upgrade', upgrade: 'websocket' } })).status).toBe(401);
    const ws = new WebSocket(wsUrl, { headers: { cookie: 'swarm_token=tok' } } as unknown as string[]);
    const messages: any[] = [];
    let wake = () => {};
    ws.onmessage = (e) => {
      messages.push(JSON.parse(String(e.data)));
      wake();
    };
    const until = async (check: () => boolean) => {
      while (!check()) await new Promise<void>((r) => (wake = r));
    };
    await new Promise((r) => (ws.onopen = r));
    ws.send(JSON.stringify({ type: 'runs' }));
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' }, headers: auth });
    await until(() => messages.some((m) => m.type === 'runs'));
    ws.send(JSON.stringify({ type: 'watch', runId: body.runId, afterSeq: 0 }));
    const rows = () => messages.filter((m) => m.type === 'rows').flatMap((m) => m.rows);
    await until(() => rows().some((r: any) => r.actorId.startsWith('coordinator:') && r.to === 'succeeded'));
    const seqs = rows().map((r: any) => r.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    ws.send('not json');
    await until(() => messages.some((m) => m.type === 'error'));
    expect(messages.find((m) => m.type === 'error').code).toBe('BAD_MESSAGE');
    ws.close();
  });

  test('view "states": summaries that move a view to what the projections say, standing for every row', async () => {
    const server = startServer(serverConfig());
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/live');
    const summaries: RowsSummary[] = [];
    let wake = () => {};
    ws.onmessage = (e) => {
      const message = JSON.parse(String(e.data));
      expect(message.type).toBe('states');
      summaries.push(message.summary);
      wake();
    };
    await new Promise((r) => (ws.onopen = r));
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: HELLO, format: 'yaml' } });
    ws.send(JSON.stringify({ type: 'watch', runId: body.runId, afterSeq: 0, view: 'states' }));
    while (!summaries.some((s) => s.runState === 'succeeded')) await new Promise<void>((r) => (wake = r));
    const now = (await call(server, 'GET', `/api/runs/${body.runId}/state`)).body;
    const view = new Map<string, ViewTask>(now.tasks.map((t: any) => [t.name, { state: 'pending', attempts: 0, node: null }]));
    let runState = 'idle';
    for (const summary of summaries) runState = applySummary(summary, runState, (n) => view.get(n));
    expect(runState).toBe(now.runState);
    expect(now.tasks.map((t: any) => ({ name: t.name, state: t.state, attempts: t.attempts, node: t.node }))).toEqual(
      [...view].map(([name, t]) => ({ name, ...t })),
    );
    expect(summaries.reduce((n, s) => n + s.rows, 0)).toBe(now.rows);
    expect(summaries.at(-1)!.lastSeq).toBe(now.lastSeq);
    ws.close();
  });
});
