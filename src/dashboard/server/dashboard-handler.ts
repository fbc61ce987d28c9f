import type { Server } from 'bun';
import { checkToken, isSharedToken, type AccessPolicy } from '../../server/access.ts';
import { sessionCookie } from '../../server/browser-session.ts';
import { HttpError } from '../../server/http.ts';
import { decodeParam } from '../../server/request-target.ts';
import { resolveRunRef } from '../../run-ref.ts';
import { newLiveConnection, type LiveConnection } from './live-socket.ts';
import { pageAssets, type PageAsset } from './page-assets.ts';
import { readRoutes, type DashboardContext } from './read-routes.ts';
import { pageHeaders } from './security-headers.ts';

/**
 * Everything the dashboard serves, behind the same checks as the API (the server has checked
 * the Host and Origin before calling this): the page shell at its URLs, the built assets, the
 * JSON read routes and the live socket all need the token whenever one is configured. A browser
 * brings it once as `?token=` on a page URL: it is checked, set as an HttpOnly SameSite=Strict
 * cookie (browser-session.ts) and the browser is redirected to the URL without it, so the token
 * does not stay in the address bar, the history or a Referer.
 */

export type DashboardHandler = (
  request: Request,
  pathname: string,
  search: URLSearchParams,
  server: Server<LiveConnection> | Server<never>,
) => Promise<Response | undefined | null>;

/** The page's own URLs (client-side routes): each answers with the same shell. */
const PAGE_PATHS = /^\/(?:runs\/[^/]+|nodes|machines)?$/;

function assetResponse(request: Request, asset: PageAsset, cache: string, extra: Record<string, string> = {}): Response {
  const headers = pageHeaders(asset.type, { etag: asset.etag, 'cache-control': cache, ...extra });
  if (request.headers.get('if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : asset.body, { headers });
}

/** A write sent to the dashboard: it reads only. */
export function readOnlyRefusal(method: string, pathname: string): HttpError {
  return new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}: the dashboard reads only.`, { allow: 'GET, HEAD' });
}

export function dashboardHandler(policy: AccessPolicy, context: DashboardContext): DashboardHandler {
  return async (request, pathname, search, server) => {
    // A page URL with a slash at the end, as a hand-typed or pasted one may have: to the one without.
    const withoutSlash = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : null;
    if (withoutSlash !== null && PAGE_PATHS.test(withoutSlash) && (request.method === 'GET' || request.method === 'HEAD')) {
      const rest = search.toString();
      // Not cached, nor sent on as a referrer: the query may hold a ?token= on its way to the login below.
      const headers = { location: withoutSlash + (rest ? `?${rest}` : ''), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
      return new Response(null, { status: 308, headers });
    }
    const isPage = PAGE_PATHS.test(pathname);
    const isAsset = pathname.startsWith('/assets/');
    const route = readRoutes.find((r) => r.pattern.test(pathname));
    if (!isPage && !isAsset && !route && pathname !== '/api/live') return null;
    if (request.method !== 'GET' && request.method !== 'HEAD') throw readOnlyRefusal(request.method, pathname);
    if (isPage && search.has('token')) {
      const presented = search.get('token') ?? '';
      if (policy.token !== null && !isSharedToken(presented, policy)) {
        throw new HttpError(401, 'UNAUTHORIZED', 'Wrong shared token in ?token=.');
      }
      search.delete('token');
      const rest = search.toString();
      const headers: Record<string, string> = { location: pathname + (rest ? `?${rest}` : ''), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
      if (policy.token !== null) headers['set-cookie'] = sessionCookie(presented);
      return new Response(null, { status: 303, headers });
    }
    checkToken(request, policy);
    if (pathname === '/api/live') {
      if ((server as Server<LiveConnection>).upgrade(request, { data: newLiveConnection() })) return undefined;
      throw new HttpError(400, 'NOT_A_WEBSOCKET', 'GET /api/live is the dashboard\'s WebSocket (an upgrade).');
    }
    if (isPage) return assetResponse(request, (await pageAssets()).html, 'no-cache');
    if (isAsset) {
      const asset = (await pageAssets()).files.get(pathname);
      if (!asset) throw new HttpError(404, 'NOT_FOUND', `No asset ${pathname}.`);
      return assetResponse(request, asset, 'no-cache');
    }
    const params = route!.pattern.exec(pathname)!.slice(1).map(decodeParam);
    if (route!.runRef) params[0] = resolveRunRef(context.store, params[0]);
    return route!.handle(request, params, search, context);
  };
}
