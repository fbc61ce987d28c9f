/**
 * Reads the dashboard's JSON routes (same origin; the session cookie carries the token). An
 * error response is the server's `{error: {code, message}}`, thrown as ApiError for the page to
 * show as text.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string, params: Record<string, string | number | null | undefined> = {}): Promise<T> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') query.set(k, String(v));
  const qs = query.toString();
  const response = await fetch(qs ? `${path}?${qs}` : path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP_' + response.status, error?.message ?? response.statusText);
  }
  return body as T;
}

export const runPath = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;

/**
 * Asks the dispatcher to act (cancel, pause, resume, replay, rollback). The session cookie
 * authorizes it only with the dashboard's own header, which a page on another site cannot send.
 */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-swarm-dashboard': '1' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (answer as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP_' + response.status, error?.message ?? response.statusText);
  }
  return answer as T;
}
