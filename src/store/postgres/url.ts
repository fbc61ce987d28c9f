/**
 * Which store locations are PostgreSQL servers, and how to show one without its secret.
 * A location is a PostgreSQL URL when it starts with postgres:// or postgresql://; anything else
 * (a path, ':memory:') is SQLite's.
 */

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

export function isPostgresUrl(location: string): boolean {
  return POSTGRES_URL.test(location.trim());
}

/**
 * The URL with its password (and any `password=` query parameter) replaced by `***`, for logs,
 * errors and `store.location`. A URL that does not parse is shown as scheme + `***`, since it
 * cannot be split safely.
 */
export function redactUrl(location: string): string {
  let url: URL;
  try {
    url = new URL(location.trim());
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*:\/\/)/i.exec(location.trim())?.[1] ?? '';
    return `${scheme}***`;
  }
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/^(password|pass|sslpassword)$/i.test(key)) url.searchParams.set(key, '***');
  }
  // URL percent-encodes '*' nowhere, so the text reads as written.
  return url.toString();
}
