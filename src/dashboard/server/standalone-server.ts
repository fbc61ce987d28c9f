import type { Server } from 'bun';
import type { CommandLine } from '../../command-line.ts';
import { resolvedAuthToken, type SwarmConfig } from '../../config/index.ts';
import { SwarmError } from '../../errors.ts';
import type { SwarmLogger } from '../../logger.ts';
import { checkHost, type AccessPolicy } from '../../server/access.ts';
import { errorResponse, HttpError, isInternalError } from '../../server/http.ts';
import { pathForLog, requestTarget } from '../../server/request-target.ts';
import type { SwarmStore } from '../../store/types.ts';
import { pollStore } from './commit-feed.ts';
import { dashboardHandler, readOnlyRefusal } from './dashboard-handler.ts';
import { LiveHub } from './live-hub.ts';
import { liveSocketHandlers, type LiveConnection } from './live-socket.ts';
import { timeTravelOver } from './time-travel.ts';
import { TimelineFolds } from './run-timeline.ts';

/**
 * `swarm dashboard`: the dashboard's pages over a state database with no dispatcher, read-only
 * (only GET routes exist) and on loopback only. The same handler and the same checks as in the
 * dispatcher: Host/Origin against `[security] allowed_hosts`, and the token whenever the
 * config (or SWARM_AUTH_TOKEN) has one. Another process may be writing the database (a `swarm
 * run`), so live pages are fed by looking for new rows (commit-feed.ts).
 */

export const DASHBOARD_HOST = '127.0.0.1';

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  stop(): void;
}

export function startDashboardServer(
  config: SwarmConfig,
  store: SwarmStore,
  /** `commandLine`: how hints name the config and database the dashboard was started with. */
  options: { port: number; log: SwarmLogger; commandLine: CommandLine; env?: Record<string, string | undefined> },
): DashboardServer {
  const policy: AccessPolicy = {
    allowedHosts: new Set(config.security.allowed_hosts.map((h) => h.toLowerCase())),
    token: resolvedAuthToken(config, options.env ?? process.env) ?? null,
  };
  const hub = new LiveHub(store);
  const backoff = { base: config.coordinator.retry_backoff_base, max: config.coordinator.retry_backoff_max };
  const timeTravel = timeTravelOver(store, backoff);
  const handle = dashboardHandler(policy, { store, backoff, controls: false, timelines: new TimelineFolds(), timeTravel, commandLine: options.commandLine });
  let server: Server<LiveConnection>;
  try {
    server = Bun.serve<LiveConnection>({
      hostname: DASHBOARD_HOST,
      port: options.port,
      development: false,
      reusePort: false,
      websocket: liveSocketHandlers(hub),
      async fetch(request, srv) {
        try {
          checkHost(request, policy);
          const { pathname, searchParams } = requestTarget(request);
          const response = await handle(request, pathname, searchParams, srv);
          if (response === null) throw notServedHere(request.method, pathname);
          return response;
        } catch (error) {
          if (isInternalError(error)) options.log.error({ err: error, method: request.method, path: pathForLog(request) }, 'request failed');
          return errorResponse(error, error instanceof HttpError && error.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
        }
      },
      error(error) {
        options.log.error({ err: error }, 'request failed outside the handler');
        return errorResponse(error);
      },
    });
  } catch (error) {
    const reason = (error as { code?: unknown }).code === 'EADDRINUSE' ? 'the port is in use' : error instanceof Error ? error.message : String(error);
    timeTravel.close();
    throw new SwarmError('DISPATCHER_UNREACHABLE', `Cannot listen on ${DASHBOARD_HOST}:${options.port}: ${reason}; pick another with --port.`, { cause: error });
  }
  const poller = pollStore(store, hub);
  const port = server.port ?? options.port;
  return {
    url: `http://${DASHBOARD_HOST}:${port}`,
    port,
    stop() {
      poller.stop();
      hub.close();
      server.stop(true);
      timeTravel.close();
    },
  };
}

/**
 * A request for no route of the dashboard's. A write (cancel, replay, rollback, a deploy: the
 * dispatcher's API, which `swarm … --url` may be pointed at here by mistake) is refused as what
 * it is, whatever its path: this server reads only.
 */
function notServedHere(method: string, pathname: string): HttpError {
  if (method !== 'GET' && method !== 'HEAD') return readOnlyRefusal(method, pathname);
  return new HttpError(404, 'NOT_FOUND', `No route ${pathname}.`);
}
