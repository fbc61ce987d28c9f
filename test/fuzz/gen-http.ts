import type { Rng } from './prng.ts';

/**
 * Raw HTTP/1.1 requests for the dispatcher: methods, request targets with bad escapes and odd
 * forms, Host and Origin headers, tokens, content types and lengths, bodies (deploy requests
 * valid and not, bad JSON, deep JSON, oversized), huge headers. Written as bytes so that what a
 * client library would refuse to send still reaches the server.
 */

export interface HttpCase {
  label: string;
  bytes: Uint8Array;
  /** What the request is, for judging the answer. */
  meta: {
    method: string;
    path: string;
    /** The token was right (so a protected route may answer 2xx). */
    tokenOk: boolean;
    /** Host (and Origin) allowed and well-formed (else only 400/403 are right). */
    hostOk: boolean;
    /** Framing is broken on purpose (bad request line, lying Content-Length...): no answer is acceptable. */
    broken: boolean;
    /** The request may change the live run (never generated with a valid token). */
    touchesLiveRun: boolean;
  };
}

export interface HttpTargets {
  port: number;
  token: string;
  liveRunId: string;
}

const SAFE_POST_SUFFIXES = ['cancel', 'pause', 'resume', 'rollback', 'replay'];

function deployBody(rng: Rng): { text: string; note: string } {
  const manifest = rng.weighted<() => string>([
    [3, () => 'name: fz\nsymbols:\n  - name: noop\n    type: action\n'],
    [2, () => 'name: fz\nsymbols:\n  - name: a\n    type: action\n    dependencies: [a]\n'],
    [1, () => `name: fz\nsymbols:\n  - name: a\n    type: action\n    parameters: {operation: echo, deep: ${'['.repeat(20_000)}${']'.repeat(20_000)}}\n`],
    [1, () => 'name: fz\nsymbols:\n  - &s {name: a, type: action, parameters: &p {operation: echo, self: *p}}\n'],
    [1, () => 'name = "fz"\n[[symbols]]\nname = "t"\ntype = "action"\ntimeout = 2147483648\n'],
    [1, () => '\u0000\u0001\u0002'],
    [1, () => 'x'.repeat(50_000)],
  ])();
  const shape = rng.weighted<() => unknown>([
    [4, () => ({ source: manifest, format: rng.pick(['yaml', 'toml', undefined]) })],
    [1, () => ({ source: manifest, format: 'xml' })],
    [1, () => ({ source: 42 })],
    [1, () => ({ source: manifest, name: '' })],
    [1, () => ({ source: manifest, path: 'relative/path.yaml' })],
    [1, () => ({ source: manifest, path: '/' + 'a'.repeat(5_000) })],
    [1, () => ({})],
    [1, () => []],
    [1, () => null],
    [1, () => ({ source: manifest, __proto__: { polluted: true } })],
    [1, () => ({ from: rng.nastyString(), all: 'yes' })],
  ])();
  return { text: JSON.stringify(shape) ?? 'undefined', note: 'deploy-like body' };
}

function body(rng: Rng): { text: string | Uint8Array; note: string } {
  return rng.weighted<() => { text: string | Uint8Array; note: string }>([
    [5, () => deployBody(rng)],
    [2, () => ({ text: '{"source": "name: x', note: 'truncated JSON' })],
    [1, () => ({ text: '{"source": 1e999999}', note: 'huge number JSON' })],
    [1, () => ({ text: '['.repeat(100_000) + ']'.repeat(100_000), note: '100k-deep JSON' })],
    [1, () => ({ text: '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), note: '50k-deep JSON objects' })],
    [1, () => ({ text: new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22]), note: 'binary body' })],
    [1, () => ({ text: `{"source": "${'x'.repeat(1_200_000)}"}`, note: '1.2 MB body (over max_message_size)' })],
    [1, () => ({ text: '', note: 'empty body' })],
    [1, () => ({ text: 'not json at all', note: 'text body' })],
    [1, () => ({ text: '{"source":"name: a\\u0000"}', note: 'NUL in the manifest' })],
  ])();
}

function path(rng: Rng, t: HttpTargets): { path: string; live: boolean } {
  const live = t.liveRunId;
  const runId = rng.pick([live, 'nope', '00000000-0000-0000-0000-000000000000', 'a'.repeat(10_000), live.slice(0, 8), '..', '.']);
  const p = rng.weighted<() => string>([
    [3, () => '/health'],
    [3, () => '/api/status'],
    [3, () => `/api/runs${rng.pick(['', '?limit=5', '?limit=-1', '?limit=1e3', '?limit=0x10', '?limit=99999999999999999999', '?limit=', '?limit=%zz', '?limit[]=1&limit=2'])}`],
    [4, () => `/api/runs/${runId}`],
    [2, () => `/api/runs/${runId}/progress`],
    [3, () => `/api/runs/${runId}/${rng.pick(SAFE_POST_SUFFIXES)}`],
    [2, () => '/metrics'],
    [1, () => '/workers'],
    [3, () => `/api/runs/${rng.pick(['%', '%z', '%zz', '%%', '%00', '%ff', '%c0%af', '%e2%82', '..%2f..%2fetc%2fpasswd', '%2e%2e', '%u0041', 'a%2Fb', '%F0%9F%90%9D'])}`],
    [1, () => `/api/runs/${rng.pick(['%', '%zz', '%00'])}/progress`],
    [2, () => rng.pick(['/', '//', '/api', '/api/', '/api//runs', '/API/STATUS', '/health/', '/health?x=%', '/health#frag', '/api/runs/x/y/z', '/%', '/.%2e/api/status'])],
    [1, () => rng.pick(['*', 'http://evil.example/api/status', `http://127.0.0.1:${t.port}/health`, 'health', '/health\u0000', '/h\u00e9alth', '/' + 'p'.repeat(70_000)])],
  ])();
  // A unique prefix of a run id names that run as well as the whole id does.
  return { path: p, live: p.includes(live) || (live.startsWith(runId) && runId.length >= 4 && p.includes(`/api/runs/${runId}`)) };
}

export function httpCase(rng: Rng, t: HttpTargets): HttpCase {
  const notes: string[] = [];
  const method = rng.weighted<string>([
    [6, 'GET'],
    [5, 'POST'],
    [1, 'HEAD'],
    [1, 'PUT'],
    [1, 'DELETE'],
    [1, 'OPTIONS'],
    [1, 'PATCH'],
    [0.5, 'TRACE'],
    [0.5, 'CONNECT'],
    [0.5, 'get'],
    [0.3, 'G\u0000T'],
    [0.3, 'X'.repeat(300)],
  ]);
  const { path: target, live } = path(rng, t);
  // Host and Origin.
  const hostChoice = rng.weighted<string | null>([
    [30, `127.0.0.1:${t.port}`],
    [5, `localhost:${t.port}`],
    [1, null],
    [1, ''],
    [1, 'evil.example'],
    [1, 'localhost:99999'],
    [1, 'localhost:0'],
    [1, 'a@localhost'],
    [1, '[::1'],
    [1, '[zz]:80'],
    [1, 'localhost:80:80'],
    [1, 'h'.repeat(10_000)],
    [1, 'local host'],
    [1, 'localhost\u0001'],
    [1, '127.0.0.1:1e3'],
    [1, '%31%32%37.0.0.1'],
    [1, 'localhost.'],
  ]);
  const hostOk = hostChoice === `127.0.0.1:${t.port}` || hostChoice === `localhost:${t.port}`;
  const origin = rng.chance(0.15) ? rng.pick(['null', 'http://evil.example', `http://127.0.0.1:${t.port}`, 'garbage', 'http://[::1', '']) : null;
  const originOk = origin === null || origin === `http://127.0.0.1:${t.port}`;
  // The token.
  const auth = rng.weighted<string | null>([
    [10, `Bearer ${t.token}`],
    [3, null],
    [2, 'Bearer wrong-token'],
    [1, 'Bearer'],
    [1, 'Bearer '],
    [1, `Basic ${Buffer.from(`x:${t.token}`).toString('base64')}`],
    [1, `bearer ${t.token}`],
    [1, `Bearer ${t.token} extra`],
    [1, `Bearer ${t.token.slice(0, -1)}`],
    [1, 'Bearer ' + 'x'.repeat(20_000)],
    [1, `Bearer ${t.token}\u0000`],
  ]);
  let tokenOk = auth === `Bearer ${t.token}` || auth === `bearer ${t.token}`;
  const isPost = method === 'POST' || method === 'PUT' || method === 'PATCH';
  // Never let a request that could change the live run carry the token.
  const touchesLiveRun = live && isPost;
  let authHeader = auth;
  if (touchesLiveRun && tokenOk) {
    authHeader = 'Bearer wrong-token';
    tokenOk = false;
  }
  // Deploys with the token run on the legitimate worker: keep them few and tiny.
  const b = isPost || rng.chance(0.1) ? body(rng) : { text: '', note: 'no body' };
  let bodyBytes = typeof b.text === 'string' ? new TextEncoder().encode(b.text) : b.text;
  if (tokenOk && hostOk && originOk && method === 'POST' && /\/replay$/.test(target)) {
    // A replay of a stored run would start one: make it a bad request.
    bodyBytes = new TextEncoder().encode('{"all": "yes"}');
  }
  const contentType = bodyBytes.length > 0 || rng.chance(0.2)
    ? rng.weighted<string | null>([
        [8, 'application/json'],
        [2, null],
        [1, 'application/json; charset=utf-8'],
        [1, 'application/vnd.api+json'],
        [1, 'text/plain'],
        [1, 'application/x-www-form-urlencoded'],
        [1, 'multipart/form-data; boundary=x'],
        [1, 'application/jsonx'],
        [1, ';;;'],
      ])
    : null;
  const lengthMode = rng.weighted<string>([
    [12, 'exact'],
    [2, 'chunked'],
    [1, 'none'],
    [0.5, 'negative'],
    [0.5, 'huge'],
    [0.5, 'nan'],
    [0.5, 'short'],
    [0.5, 'double'],
  ]);
  let broken = false;
  const headers: string[] = [];
  if (hostChoice !== null) headers.push(`Host: ${hostChoice}`);
  if (origin !== null) headers.push(`Origin: ${origin}`);
  if (authHeader !== null) headers.push(`Authorization: ${authHeader}`);
  if (contentType !== null) headers.push(`Content-Type: ${contentType}`);
  let payload = bodyBytes;
  switch (lengthMode) {
    case 'exact':
      if (bodyBytes.length > 0 || isPost) headers.push(`Content-Length: ${bodyBytes.length}`);
      break;
    case 'chunked': {
      headers.push('Transfer-Encoding: chunked');
      const chunk = rng.chance(0.8) ? `${bodyBytes.length.toString(16)}\r\n` : 'zz\r\n';
      if (!chunk.startsWith(bodyBytes.length.toString(16))) broken = true;
      payload = new Uint8Array(Buffer.concat([Buffer.from(bodyBytes.length > 0 ? chunk : ''), Buffer.from(bodyBytes), Buffer.from(bodyBytes.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n')]));
      break;
    }
    case 'none':
      if (bodyBytes.length > 0) broken = true; // the body is read as the next request
      break;
    case 'negative':
      headers.push('Content-Length: -1');
      broken = true;
      break;
    case 'huge':
      headers.push('Content-Length: 99999999999');
      broken = true;
      break;
    case 'nan':
      headers.push('Content-Length: abc');
      broken = true;
      break;
    case 'short':
      headers.push(`Content-Length: ${bodyBytes.length + 10}`);
      broken = true;
      break;
    case 'double':
      headers.push(`Content-Length: ${bodyBytes.length}`, `Content-Length: ${bodyBytes.length + 1}`);
      broken = true;
      break;
  }
  // Odd headers.
  const extra = rng.weighted<string>([
    [20, 'none'],
    [1, 'many'],
    [0.5, 'huge'],
    [1, 'nul'],
    [1, 'fold'],
    [1, 'twoHosts'],
    [1, 'noColon'],
    [1, 'upgrade'],
  ]);
  switch (extra) {
    case 'many':
      for (let i = 0, n = rng.pick([60, 300]); i < n; i++) headers.push(`X-Fuzz-${i}: ${i}`);
      break;
    case 'huge':
      headers.push(`X-Huge: ${'h'.repeat(rng.pick([9_000, 70_000, 300_000]))}`);
      break;
    case 'nul':
      headers.push('X-Nul: a\u0000b');
      broken = true;
      break;
    case 'fold':
      headers.push('X-Fold: a', ' folded');
      broken = true;
      break;
    case 'twoHosts':
      headers.push('Host: evil.example');
      break;
    case 'noColon':
      headers.push('NoColonHere');
      broken = true;
      break;
    case 'upgrade':
      headers.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
      break;
  }
  if (extra !== 'upgrade') headers.push('Connection: close');
  const version = rng.weighted<string>([
    [40, 'HTTP/1.1'],
    [1, 'HTTP/1.0'],
    [1, 'HTTP/2.0'],
    [1, 'HTTP/9.9'],
    [1, 'FOO'],
    [1, ''],
  ]);
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') broken = true;
  if (!/^[A-Z]+$/.test(method) || /[\s\u0000]/.test(target) || hostChoice === null || /[\u0000-\u001f\s]/.test(hostChoice ?? '')) broken = true;
  const requestLine = version === '' ? `${method} ${target}` : `${method} ${target} ${version}`;
  const head = Buffer.from(`${requestLine}\r\n${headers.join('\r\n')}\r\n\r\n`, 'utf8');
  notes.push(`${method} ${target.length > 60 ? target.slice(0, 60) + '…' : target}`, `host ${JSON.stringify(hostChoice)?.slice(0, 40)}`, `auth ${authHeader === null ? 'none' : tokenOk ? 'ok' : JSON.stringify(authHeader.slice(0, 30))}`);
  if (origin !== null) notes.push(`origin ${JSON.stringify(origin)}`);
  if (contentType) notes.push(`type ${contentType}`);
  notes.push(`length ${lengthMode}`, b.note);
  if (extra !== 'none') notes.push(`headers ${extra}`);
  if (version !== 'HTTP/1.1') notes.push(`version ${JSON.stringify(version)}`);
  return {
    label: notes.join('; '),
    bytes: new Uint8Array(Buffer.concat([head, Buffer.from(payload)])),
    meta: { method, path: target, tokenOk, hostOk: hostOk && originOk && extra !== 'twoHosts', broken, touchesLiveRun },
  };
}
