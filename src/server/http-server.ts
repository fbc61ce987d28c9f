import type { Server, WebSocketHandler } from 'bun';
import type { WorkerConnection } from './worker-socket.ts';
import type { DashboardHandler } from '../dashboard/server/dashboard-handler.ts';
import { combineSocketHandlers, type LiveConnection } from '../dashboard/server/live-socket.ts';
import { SwarmError } from '../errors.ts';
import type { SwarmLogger } from '../logger.ts';
import { checkHost, checkToken, type AccessPolicy } from './access.ts';
import { routes, type RouteContext } from './api-routes.ts';
import { checkJsonType, errorResponse, HttpError, isInternalError } from './http.ts';
import { decodeParam, pathForLog, requestTarget } from './request-target.ts';
import type { ThrottledWarnings } from './throttled-warnings.ts';
import { resolveRunRef } from '../run-ref.ts';

/**
 * The dispatcher's one listening socket: a `Bun.serve` on `[dispatcher] bind` and
 * `websocket_port` serving the HTTP client API (api-routes.ts) and health (wired up by
 * dispatcher-server.ts). Remote workers connect to the same server over WebSocket: their
 * route is an upgrade in `fetch` (before the HTTP routes, after the host and token checks)
 * plus Bun's `websocket` handlers (worker-socket.ts).
 */

export interface HttpServerOptions {
  hostname: string;
  /** 0 picks a free port; `port` on the result says which. */
  port: number;
  policy: AccessPolicy;
  context: RouteContext;
  log: SwarmLogger;
  /** The `/workers` WebSocket route (remote workers). */
  workers: WebSocketHandler<WorkerConnection>;
  /** Where refusals of `/workers` requests before the upgrade are told of (as the route's own). */
  workerWarnings: ThrottledWarnings;
  /** `[dispatcher] enable_websocket`: when false, `/workers` answers 404. */
  acceptWorkers: boolean;
  /** The dashboard (src/dashboard/): its pages, read routes and `/api/live` socket, after the API's own routes. */
  dashboard: { handle: DashboardHandler; sockets: WebSocketHandler<LiveConnection> };
}

export interface HttpServer {
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  /** Closes the socket and every open connection. */
  stop(): void;
}

/** Bun's own errors, turned into messages a user can act on. Binding failures exit 3. */
function listenError(error: unknown, hostname: string, port: number): Error {
  const code = (error as { code?: unknown }).code;
  const where = `${hostname}:${port}`;
  if (code === 'EADDRINUSE') {
    return new SwarmError(
      'DISPATCHER_UNREACHABLE',
      `Cannot listen on ${where}: the address is in use (or ${hostname} is not an address of this machine). ` +
        'Is a dispatcher already running? Check with `swarm status`, or pick another port with --port or [dispatcher] websocket_port.',
      { cause: error },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SwarmError('DISPATCHER_UNREACHABLE', `Cannot listen on ${where}: ${reason}`, { cause: error });
}

/** Who sent the request, as `address:port` (`[v6]:port`), for the log. */
function remoteAddress(request: Request, server: Server<WorkerConnection | LiveConnection>): string {
  const ip = server.requestIP(request);
  if (!ip) return 'unknown';
  return ip.family === 'IPv6' ? `[${ip.address}]:${ip.port}` : `${ip.address}:${ip.port}`;
}

function formatUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

export function startHttpServer(options: HttpServerOptions): HttpServer {
  const { policy, context, log } = options;

  async function handle(request: Request, server: Server<WorkerConnection | LiveConnection>): Promise<Response | undefined> {
    checkHost(request, policy);
    const { pathname, searchParams } = requestTarget(request);
    if (pathname === '/workers') {
      if (!options.acceptWorkers) {
        throw new HttpError(404, 'WORKERS_DISABLED', 'This dispatcher accepts no remote workers ([dispatcher] enable_websocket = false).');
      }
      // A browser always sends Origin on a WebSocket upgrade, a worker never: no page, not
      // even the dashboard's own, has any business on the worker route (with no token, it
      // would be handed tasks, their parameters and their dependencies' outputs).
      if (request.headers.get('origin') !== null) {
        throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', '/workers is for swarm workers, which send no Origin header; a browser page may not connect to it.');
      }
      // Refused before the upgrade when the header lacks the token; `hello` is checked again.
      checkToken(request, policy);
      if (request.method !== 'GET') {
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on /workers; use GET (a WebSocket upgrade, for swarm workers).`, { allow: 'GET' });
      }
      const data: WorkerConnection = { bridge: null, out: null, malformed: 0, address: remoteAddress(request, server) };
      if (server.upgrade(request, { data })) return undefined;
      throw new HttpError(400, 'NOT_A_WEBSOCKET', 'GET /workers is for swarm workers (a WebSocket upgrade).');
    }
    const candidates = routes.filter((r) => r.pattern.test(pathname));
    if (candidates.length === 0) {
      const page = await options.dashboard.handle(request, pathname, searchParams, server as Server<LiveConnection>);
      if (page !== null) return page;
      throw new HttpError(404, 'NOT_FOUND', `No route ${pathname}.`);
    }
    // HEAD is GET without the body (Bun sends none for HEAD), as HTTP has it and monitors use it.
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      const allowed = [...new Set(candidates.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))].sort().join(', ');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${pathname}; use ${allowed}.`, { allow: allowed });
    }
    if (route.protected) checkToken(request, policy);
    const params = route.pattern.exec(pathname)!.slice(1).map(decodeParam);
    if (route.method === 'POST') checkJsonType(request);
    // A run hosted here, named by its id, needs no store read (none is possible in an outage).
    if (route.runRef && !context.registry.get(params[0])) params[0] = resolveRunRef(context.store, params[0]);
    return route.handle(request, params, context);
  }

  let server: Server<WorkerConnection | LiveConnection>;
  try {
    server = Bun.serve<WorkerConnection | LiveConnection>({
      hostname: options.hostname,
      port: options.port,
      // Never Bun's development error page: it shows source lines and the working directory
      // to anyone, token or not.
      development: false,
      // Explicit: with `development: false` this Bun shares a taken port (SO_REUSEPORT) instead
      // of failing with EADDRINUSE, and two dispatchers would split one port's connections.
      reusePort: false,
      websocket: combineSocketHandlers(options.workers, options.dashboard.sockets),
      async fetch(request, srv) {
        try {
          return await handle(request, srv);
        } catch (error) {
          // Expected refusals are the client's business; the dispatcher's own failures are worth
          // a log line. (Headers are never logged: they carry the token.)
          if (isInternalError(error)) log.error({ err: error, method: request.method, path: pathForLog(request) }, 'request failed');
          // A worker refused here (its token, its Host, a browser) would otherwise only see it
          // in its own log, as a failed connect it retries.
          else if (error instanceof HttpError && pathForLog(request) === '/workers') {
            options.workerWarnings.warn(
              { address: remoteAddress(request, srv), status: error.status, code: error.code },
              `worker connection refused before the upgrade (HTTP ${error.status} ${error.code}): ${error.message}`,
            );
          }
          const headers: Record<string, string> = error instanceof HttpError && error.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
          return errorResponse(error, headers);
        }
      },
      // Whatever escapes `fetch` (nothing should) is still the JSON error contract.
      error(error) {
        log.error({ err: error }, 'request failed outside the handler');
        return errorResponse(error);
      },
    });
  } catch (error) {
    throw listenError(error, options.hostname, options.port);
  }
  const port = server.port ?? options.port;
  return {
    url: formatUrl(options.hostname, port),
    hostname: options.hostname,
    port,
    stop: () => void server.stop(true),
  };
}
