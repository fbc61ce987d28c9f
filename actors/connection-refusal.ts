/**
 * Why a dispatcher turned a worker's connection away before the WebSocket opened. A refused
 * upgrade looks like any failed connection to a WebSocket client, so the worker asks the same
 * URL over plain HTTP, with the same token, and reads the dispatcher's answer: a wrong token
 * or host is then logged as what it is — fixable config — instead of "unreachable".
 * Null when nothing answers (the dispatcher really is unreachable) or the answer says nothing.
 */
export async function connectionRefusal(wsUrl: string, token: string | undefined, timeoutMs = 2_000): Promise<string | null> {
  const url = wsUrl.replace(/^ws/, 'http');
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    return null;
  }
  const code = await response
    .json()
    .then((body) => (body as { error?: { code?: string } }).error?.code)
    .catch(() => undefined);
  switch (response.status) {
    case 401:
      return 'the dispatcher refused this worker\'s shared token (missing or wrong): set the dispatcher\'s token in [worker] auth_token or SWARM_AUTH_TOKEN';
    case 403:
      return 'the dispatcher refused the host name of [worker] dispatcher_url: add it to the dispatcher\'s [security] allowed_hosts, or connect by a name it allows';
    case 404:
      return code === 'WORKERS_DISABLED'
        ? 'the dispatcher accepts no workers ([dispatcher] enable_websocket = false there)'
        : 'nothing at this URL takes workers: point [worker] dispatcher_url at a swarm dispatcher (ws://host:port)';
    default:
      return null;
  }
}
