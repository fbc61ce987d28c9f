import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Failures, finish, leakIn, shorten, showInput } from './checks.ts';
import { httpCase, type HttpCase } from './gen-http.ts';
import { startLiveSwarm, TOKEN, type LiveSwarm } from './live-swarm.ts';
import { pool } from './harness.ts';
import { caseCount, caseIndexes, fuzzSeed, testTimeout, Rng } from './prng.ts';
import { rawRequest, type RawResponse } from './raw-http.ts';

/**
 * HTTP fuzzer: a few hundred raw requests (node:net, so malformed request lines, Host headers
 * and lengths reach the server) against ONE live `swarm start-dispatcher` with a token, a
 * legitimate worker process and a live run.
 *
 * Per request: an answer is JSON with the error contract `{"error": {name, code, message}}`
 * (the metrics text aside), no stack or source path; client errors are < 500; a protected route
 * never answers 2xx without the token, nor anything but 400/403 to a bad Host or Origin. Every
 * 25 requests: the dispatcher is up, /health says ok, its RSS is bounded. At the end: the live
 * run succeeded with every task run once on the legitimate worker, never displaced.
 */

const FUZZER = 'http-fuzz';
const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(300));
const ANSWER_MS = 4_000;
const MAX_RSS_MIB = 1_024;
const parserRefusals = new Map<number, number>();

let swarm: LiveSwarm;
beforeAll(async () => {
  swarm = await startLiveSwarm({ tasks: 40, taskMs: 250 });
}, 60_000);
afterAll(async () => {
  await swarm?.stop();
});

/** The route a path names, with ids and long strings folded, for failure classes. */
export function routeShape(method: string, path: string, liveRunId: string): string {
  let p = path.split('?')[0].replaceAll(liveRunId, ':live');
  p = p.replace(/^\/api\/runs\/([^/]+)/, (_, id: string) => `/api/runs/${id.includes('%') ? id.slice(0, 3) : id === ':live' ? id : ':id'}`);
  if (p.length > 40) p = p.slice(0, 40) + '…';
  return `${method.length > 10 ? method.slice(0, 10) + '…' : method} ${p}`;
}

/** What is wrong with the answer to one request. */
function judge(c: HttpCase, r: RawResponse): { cls: string; detail: string }[] {
  const m = c.meta;
  const route = routeShape(m.method, m.path, swarm.liveRunId);
  const problems: { cls: string; detail: string }[] = [];
  const got = `${r.status} ${shorten(r.body, 300)}`;
  if (r.none) {
    // Bun closes the connection on some request lines (a 300-character method) without a word.
    if (!m.broken && m.method.length < 100) problems.push({ cls: `http: no answer to a well-formed request (${r.timedOut ? 'timed out' : 'closed'})`, detail: `${route}: ${r.error ?? ''} ${shorten(r.raw, 200)}` });
    return problems;
  }
  if (r.status === 101) {
    if (!(m.path === '/workers' && m.tokenOk && m.hostOk)) problems.push({ cls: 'http: WebSocket upgrade without the token or with a bad Host', detail: route });
    return problems;
  }
  // Bun's own HTTP parser refuses some requests before the app sees them, with an empty body
  // (400 bad framing or control characters, 413, 431 too many or too large headers, 505 an
  // unknown HTTP version): nothing the dispatcher can answer in JSON. Counted, not failed.
  if (r.body === '' && [400, 413, 431, 505].includes(r.status) && !r.headers['content-type']) {
    parserRefusals.set(r.status, (parserRefusals.get(r.status) ?? 0) + 1);
    if (process.env.FUZZ_DEBUG) console.error('parser refusal', r.status, c.label);
    return problems;
  }
  const stopping = r.status === 503 && /DISPATCHER_STOPPING|STORE_UNAVAILABLE/.test(r.body);
  if (r.status >= 500 && !stopping) problems.push({ cls: `http: ${r.status} for ${route}`, detail: got });
  const ok = r.status >= 200 && r.status < 300;
  // HEAD is GET without the body; an absolute-form target (http://host/health) is its path.
  let path = m.path;
  try {
    path = new URL(m.path, 'http://127.0.0.1').pathname; // what routes: no query, no fragment
  } catch {
    // not a URL at all: no route
  }
  const unprotected = path === '/health' && (m.method === 'GET' || m.method === 'HEAD');
  if (ok && !m.tokenOk && !unprotected) problems.push({ cls: `http: ${route} answered ${r.status} without a token or with a wrong token`, detail: got });
  if (!m.hostOk && ![400, 403, 413, 414, 431, 505].includes(r.status)) problems.push({ cls: `http: a bad Host header or Origin answered ${r.status}`, detail: `${route}: ${got}` });
  if (m.touchesLiveRun && ok) problems.push({ cls: 'http: the live run was changed by a request without the token', detail: `${route}: ${got}` });
  const leak = leakIn(r.body) ?? leakIn(Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n'));
  if (leak) problems.push({ cls: `http: a ${r.status} answer shows ${leak.split(':')[0]}${/host/i.test(c.label) && r.status === 400 ? ' (bad Host header)' : ''}`, detail: `${route}: ${leak}` });
  if (m.method === 'HEAD') return problems;
  const metrics = r.status === 200 && m.path.split('?')[0] === '/metrics';
  if (metrics) return problems;
  // A redirect (the dashboard's `//` → `/`) says where in its Location header.
  if (r.body === '' && r.status >= 300 && r.status < 400 && r.headers.location) return problems;
  if (r.body === '') {
    // Bun's own HTTP parser refuses some framing with an empty 400 before the app sees it.
    if (!(m.broken && r.status >= 400 && r.status < 500)) problems.push({ cls: `http: ${r.status} with an empty body`, detail: `${route}; headers ${JSON.stringify(r.headers).slice(0, 200)}` });
    return problems;
  }
  // The dashboard's own page (/, /runs/…, /nodes, /machines) is HTML by design.
  if (r.status === 200 && /^text\/html/.test(r.headers['content-type'] ?? '') && r.body.includes('<title>swarm dashboard</title>')) return problems;
  let doc: any;
  try {
    doc = JSON.parse(r.body);
  } catch {
    const html = /<html|<!doctype/i.test(r.body) ? ' (HTML: a development error page?)' : '';
    problems.push({ cls: `http: a ${r.status} answer is not JSON${html}${/host/i.test(c.label) ? ' (Host header case)' : ''}`, detail: `${route}: ${shorten(r.body, 300)}` });
    return problems;
  }
  if (!/json/i.test(r.headers['content-type'] ?? '')) problems.push({ cls: 'http: JSON sent without a JSON content type', detail: `${route}: ${r.headers['content-type']}` });
  if (r.status >= 400) {
    const e = doc?.error;
    if (!(e && typeof e.name === 'string' && typeof e.code === 'string' && typeof e.message === 'string')) {
      problems.push({ cls: `http: a ${r.status} answer without {"error": {name, code, message}}`, detail: `${route}: ${shorten(r.body, 300)}` });
    } else if (e.message.length > 20_000) {
      problems.push({ cls: 'http: an error message over 20,000 characters', detail: `${route}: ${e.message.length} chars` });
    }
  }
  return problems;
}

test(`http: ${indexes.length} raw requests against a live dispatcher, FUZZ_SEED=${seed}`, async () => {
  const failures = new Failures(FUZZER, seed);
  const targets = { port: swarm.port, token: TOKEN, liveRunId: swarm.liveRunId };
  const statuses = new Map<number, number>();
  let done = 0;
  let vitalsChecked = 0;
  const checkVitals = async (i: number) => {
    for (const problem of await swarm.vitals(MAX_RSS_MIB)) {
      failures.add({ cls: `http: the dispatcher is unwell (${problem.split(' ').slice(0, 4).join(' ')})`, index: i, label: 'vitals after the requests so far', input: '(the cases before this index)', detail: problem, size: 0 });
    }
    vitalsChecked++;
  };
  await pool(indexes, 4, async (i) => {
    const c = httpCase(Rng.forCase(seed, 'http', i), targets);
    const r = await rawRequest(swarm.port, c.bytes, ANSWER_MS);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    for (const p of judge(c, r)) failures.add({ cls: p.cls, index: i, label: c.label, input: showInput(c.bytes, 400), detail: p.detail, size: c.bytes.length });
    if (++done % 25 === 0) await checkVitals(i);
  });
  await checkVitals(indexes.length);
  for (const problem of await swarm.verdict()) {
    failures.add({ cls: `http: live swarm: ${problem.slice(0, 60)}`, index: -1, label: 'the live run and the legitimate worker at the end', input: '(all cases)', detail: problem, size: 0 });
  }
  const internal = swarm.dispatcher.stderr().split('\n').filter((l) => l.includes('"request failed'));
  if (internal.length > 0) failures.add({ cls: 'http: the dispatcher logged internal request failures', index: -1, label: 'dispatcher log', input: '(all cases)', detail: internal.slice(0, 3).join('\n'), size: 0 });
  console.error(`${FUZZER}: ${indexes.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))} (refused by Bun's parser with an empty body: ${JSON.stringify(Object.fromEntries(parserRefusals))}), ${vitalsChecked} health checks, FUZZ_SEED=${seed}`);
  expect(finish(failures)).toEqual([]);
}, testTimeout(300_000));
