import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { resolvedAuthToken, TOKEN_ENV_VAR, type SwarmConfig } from '../config/index.ts';
import { ConfigError } from '../errors.ts';
import { HttpError } from './http.ts';

/**
 * Who may talk to the dispatcher. Three checks, in this order, on every request:
 * 1. the Host (and Origin, when a browser sends one) must name one of `[security]
 *    allowed_hosts` — a page on another site that resolves its own name to 127.0.0.1 (DNS
 *    rebinding) is refused even though it reaches a loopback socket;
 * 2. when auth is on (`enable_auth`, or any bind beyond loopback), `Authorization: Bearer
 *    <token>` with the shared token — on /api/* and /metrics; /health stays open so a load
 *    balancer or a script can probe liveness without the secret;
 * 3. (in the routes) the body size limit.
 * The token itself is never logged nor echoed in a message.
 */

export interface AccessPolicy {
  allowedHosts: ReadonlySet<string>;
  /** The shared token when auth is required, else null. */
  token: string | null;
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The policy for a dispatcher about to listen. Throws ConfigError (exit 2) when a token is
 * required but none is configured: beyond loopback an open dispatcher would let anyone on the
 * network run workflows on this machine, so it refuses to start rather than warn.
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
    token: required ? token : null,
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

/** Throws a 403 HttpError when the request's Host or Origin is not an allowed host. */
export function checkHost(request: Request, policy: AccessPolicy): void {
  const host = request.headers.get('host');
  if (host === null || !policy.allowedHosts.has(hostnameOf(host))) {
    throw new HttpError(403, 'HOST_NOT_ALLOWED', 'This host name is not in [security] allowed_hosts of the dispatcher.');
  }
  const origin = request.headers.get('origin');
  // "null" (a sandboxed frame, a file:// page) fails the URL parse and is refused too: a page
  // like that could otherwise post a workflow to a loopback dispatcher.
  if (origin !== null) {
    let originHost: string;
    try {
      originHost = new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    } catch {
      originHost = '';
    }
    if (!policy.allowedHosts.has(originHost)) {
      throw new HttpError(403, 'HOST_NOT_ALLOWED', 'This origin is not in [security] allowed_hosts of the dispatcher.');
    }
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Throws a 401 HttpError unless the request carries the shared token (when one is required). */
export function checkToken(request: Request, policy: AccessPolicy): void {
  if (policy.token === null) return;
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  // Compared as fixed-length digests in constant time, so timing says nothing about the token.
  if (!match || !timingSafeEqual(digest(match[1]), digest(policy.token))) {
    throw new HttpError(401, 'UNAUTHORIZED', 'Missing or wrong shared token (Authorization: Bearer <token>).');
  }
}
