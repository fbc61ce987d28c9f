/**
 * How a browser carries the shared token: it cannot add `Authorization` to a page load, an
 * `<script src>` or a WebSocket, so the dashboard takes the token once (`/?token=…`), sets it as
 * an HttpOnly SameSite=Strict cookie and redirects to a URL without it. The cookie counts on GET
 * and HEAD, and on the page's own actions, which carry DASHBOARD_HEADER (access.ts): a forged
 * cross-site form can never act with it — on top of SameSite and the Origin check.
 */

export const SESSION_COOKIE = 'swarm_token';

/** The cookie that lets this browser in (a session cookie: it ends with the browser). */
export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The token a browser's cookie carries, or null. */
export function cookieToken(request: Request): string | null {
  const header = request.headers.get('cookie');
  if (header === null) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The header the dashboard's own page sends with the requests that act (cancel, replay…). A
 * page on another site cannot send a custom header to this origin without a CORS preflight,
 * which the dispatcher never grants; with SameSite=Strict and the Origin check, a forged
 * cross-site request cannot act with the cookie.
 */
export const DASHBOARD_HEADER = 'x-swarm-dashboard';

/** Whether a request may be authorized by the cookie: reads, and the page's own actions. */
export function cookieMayAuthorize(request: Request): boolean {
  return request.method === 'GET' || request.method === 'HEAD' || request.headers.get(DASHBOARD_HEADER) === '1';
}
