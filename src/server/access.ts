import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { resolvedAuthToken, TOKEN_ENV_VAR, type SwarmConfig } from '../config/index.ts';
import { ConfigError } from '../errors.ts';
import { cookieMayAuthorize, cookieToken } from './browser-session.ts';
import { HttpError } from './http.ts';

/**
 * Who may talk to the dispatcher. Three checks, in this order, on every request:
 * 1. the Host must name one of `[security] allowed_hosts` — a page on another site that
 *    resolves its own name to 127.0.0.1 (DNS rebinding) is refused even though it reaches a
 *    loopback socket — and an Origin, when a browser sends one, must be the server's own
 *    (scheme, host and port: checkHost), so a page on another port of the same host cannot
 *    act either;
 * 2. when a token is configured, `Authorization: Bearer <token>` with it — on /api/*,
 *    /metrics and the /workers upgrade (and again in the worker's `hello`), on loopback too:
 *    another user of the same machine reaches a loopback socket as easily as its owner. /health
 *    stays open so a load balancer or a script can probe liveness without the secret;
 * 3. (in the server and the routes) a POST's JSON Content-Type (checkJsonType, http.ts) and
 *    the body size limit.
 * The token itself is never logged nor echoed in a message.
 */

export interface AccessPolicy {
  allowedHosts: ReadonlySet<string>;
  /** The shared token when one is configured (then every client and worker must present it), else null. */
  token: string | null;
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The policy for a dispatcher about to listen (README, "Access"): a configured token is
 * required from every client and worker, loopback included; with none, loopback stays open.
 * Throws ConfigError (exit 2) when a token is required but none is configured — `enable_auth =
 * true`, or a bind beyond loopback, where an open dispatcher would let anyone on the network
 * run workflows on this machine — so it refuses to start rather than warn.
 */
export function accessPolicy(config: SwarmConfig, env: Record<string, string | undefined> = process.env): AccessPolicy {
  const token = resolvedAuthToken(config, env) ?? null;
  const { bind } = config.dispatcher;
  const required = config.security.enable_auth || !isLoopback(bind);
  if (required && token === null) {
    throw new ConfigError([
      {
        key: 'dispatcher.auth_token',
        message:
          `is required when the dispatcher listens beyond loopback (bind = "${bind}") or enable_auth = true; ` +
          `set it (or [security] api_key) or the ${TOKEN_ENV_VAR} environment variable`,
      },
    ]);
  }
  return {
    allowedHosts: new Set(config.security.allowed_hosts.map((h) => h.toLowerCase())),
    token,
  };
}

/** The host name part of a Host header: "example.org:8080" → "example.org", "[::1]:80" → "::1". */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.indexOf(':');
  // More than one colon without brackets: a bare IPv6 address, which has no port part.
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

/**
 * A Host header as RFC 9110 has it: a name or IPv4 address, or a bracketed IPv6 address, then
 * an optional port of 1 to 65535. Anything else (`localhost:99999`, `a@localhost`, empty) is
 * refused before Bun's URL of the request — built from this header — is read.
 */
const HOST_SYNTAX = /^(?:[a-z0-9](?:[a-z0-9._-]{0,252})|\[[0-9a-f:.]{2,45}\])(?::(\d{1,5}))?$/i;

export function isWellFormedHost(hostHeader: string): boolean {
  const match = HOST_SYNTAX.exec(hostHeader);
  if (!match) return false;
  return match[1] === undefined || (Number(match[1]) >= 1 && Number(match[1]) <= 65_535);
}

/**
 * The origin of the pages this server serves to a browser that reached it as `host` (the Host
 * header): the scheme, host and port the browser puts in `Origin` on a request of its own
 * page. The server speaks plain HTTP; behind a reverse proxy that terminates TLS and says so
 * with `X-Forwarded-Proto: https`, its pages are https ones. (A page on another site cannot
 * add that header: a browser sends it cross-site only after a CORS preflight, which the
 * dispatcher never grants, and never on a WebSocket upgrade.) Null for a Host no URL takes.
 */
export function ownOrigin(request: Request, host: string): string | null {
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0].trim().toLowerCase() === 'https' ? 'https' : 'http';
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return null;
  }
}

/** An Origin header as `scheme://host[:port]` (default port left out, as URL has it), or null when it is none ("null", garbage). */
function originOf(header: string): string | null {
  try {
    const origin = new URL(header).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Throws a 400 HttpError for a malformed Host header, a 403 HOST_NOT_ALLOWED when the Host is
 * not an allowed host, and a 403 ORIGIN_NOT_ALLOWED when the request carries an Origin (every
 * browser sends one with a POST, a cross-origin fetch and a WebSocket upgrade) that is not this
 * server's own: the same scheme, host and port (ownOrigin). Comparing host names alone let a
 * page on another port of the same machine (`http://localhost:3000`) drive a loopback
 * dispatcher, and the dashboard's cookie, which browsers send to every port of a host, with it.
 * A request with no Origin (the CLI, curl, a worker) is not a browser page's.
 */
export function checkHost(request: Request, policy: AccessPolicy): void {
  const host = request.headers.get('host');
  if (host !== null && !isWellFormedHost(host)) {
    throw new HttpError(400, 'BAD_HOST', 'The Host header is not a host name or address with an optional port (1-65535).');
  }
  if (host === null || !policy.allowedHosts.has(hostnameOf(host))) {
    throw new HttpError(403, 'HOST_NOT_ALLOWED', 'This host name is not in [security] allowed_hosts of the dispatcher.');
  }
  const origin = request.headers.get('origin');
  if (origin === null) return;
  // "null" (a sandboxed frame, a file:// page) is nobody's origin, and refused too: a page
  // like that could otherwise post a workflow to a loopback dispatcher.
  const own = ownOrigin(request, host);
  if (own === null || originOf(origin) !== own) {
    throw new HttpError(
      403,
      'ORIGIN_NOT_ALLOWED',
      `A browser page may call this server only from its own origin (${own ?? 'the address it was reached at'}: same scheme, host and port); ` +
        'this request came from a page elsewhere. Open the dashboard at that address; behind a reverse proxy, pass the Host header on unchanged ' +
        '(and X-Forwarded-Proto: https when the proxy serves TLS).',
    );
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `presented` is the shared token, compared in constant time. */
export function isSharedToken(presented: string, policy: AccessPolicy): boolean {
  // Compared as fixed-length digests in constant time, so timing says nothing about the token.
  return policy.token !== null && timingSafeEqual(digest(presented), digest(policy.token));
}

/**
 * Throws a 401 HttpError unless the request carries the shared token (when one is required):
 * `Authorization: Bearer <token>`, or the dashboard's session cookie on a read or on one of the page's own actions
 * (browser-session.ts).
 */
export function checkToken(request: Request, policy: AccessPolicy): void {
  if (policy.token === null) return;
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const presented = match ? match[1] : cookieMayAuthorize(request) ? cookieToken(request) : null;
  if (presented === null || !isSharedToken(presented, policy)) {
    throw new HttpError(401, 'UNAUTHORIZED', 'Missing or wrong shared token (Authorization: Bearer <token>; a browser: open /?token=<token> once).');
  }
}
