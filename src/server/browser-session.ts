/**
 * How a browser carries the shared token: it cannot add `Authorization` to a page load, an
 * `<script src>` or a WebSocket, so the dashboard takes the token once (`/?token=…`), sets it as
 * an HttpOnly SameSite=Strict cookie and redirects to a URL without it. The cookie counts only
 * on GET and HEAD (access.ts): every route that changes something still needs the header, so a
 * forged cross-site form can never act with it — on top of SameSite and the Origin check.
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

/** Methods that read only: the ones a cookie may authorize. */
export function isReadOnlyMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
