import { HttpError } from './http.ts';

/**
 * The parts of a request line a route reads — path, query, path parameters — taken apart
 * without ever throwing anything but a 400 HttpError. Bun builds `request.url` from the Host
 * header, so a malformed Host makes `new URL(request.url)` throw; a malformed percent escape
 * makes `decodeURIComponent` throw. Either is the client's mistake, not the dispatcher's.
 */

export interface RequestTarget {
  pathname: string;
  searchParams: URLSearchParams;
}

/** The request's path and query, or a 400 BAD_REQUEST_TARGET. */
export function requestTarget(request: Request): RequestTarget {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST_TARGET', 'The request URL cannot be parsed; send a path such as /api/runs with a valid Host header.');
  }
  return { pathname: url.pathname, searchParams: url.searchParams };
}

/** The path for a log line, whatever the request looks like (never throws). */
export function pathForLog(request: Request): string {
  const raw = request.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const path = raw.split('?')[0] || '/';
  // Bounded: the line is for a person, and the path is the client's to choose.
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** Decodes one path parameter, or a 400 BAD_PATH for a malformed percent escape (`/api/runs/%`). */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HttpError(400, 'BAD_PATH', 'The path holds a malformed percent escape (a "%" not followed by two hex digits); encode "%" as %25.');
  }
}
