import { coordinatorEndpoint, resolvedAuthToken, type SwarmConfig } from '../config/index.ts';
import { SwarmError, UsageError, type ErrorCode } from '../errors.ts';

/**
 * How `deploy` and `status` talk to a running dispatcher: JSON over HTTP, with the shared token
 * when one is configured. Every way of not getting an answer (refused, timed out, not a
 * dispatcher) is a DISPATCHER_UNREACHABLE error (exit 3) that says how to start one; the
 * dispatcher's own error documents come back as errors with the same name, code and issues.
 */

/** An error the dispatcher answered with, carried over with its name, code and issues. */
export class DispatcherError extends SwarmError {
  readonly issues?: unknown[];
  constructor(
    code: ErrorCode,
    name: string,
    message: string,
    readonly status: number,
    issues?: unknown[],
  ) {
    super(code, message);
    this.name = name;
    if (issues) this.issues = issues;
  }
}

export function noDispatcher(url: string, cause?: unknown): SwarmError {
  return new SwarmError('DISPATCHER_UNREACHABLE', `no dispatcher at ${url}; start one with \`swarm start-dispatcher\``, { cause });
}

/**
 * The dispatcher's base URL: `--url` when given, else `[dispatcher] coordinator_endpoint` (or,
 * unset, the dispatcher's bind and websocket_port: see coordinatorEndpoint) with its WebSocket
 * scheme turned into HTTP (ws://host:port → http://host:port): one server serves both.
 */
export function dispatcherUrl(config: SwarmConfig, override?: string): string {
  const raw = override ?? coordinatorEndpoint(config);
  if (raw === null) {
    throw new UsageError('[dispatcher] websocket_port = 0 lets the dispatcher pick its port, so clients cannot derive it: give --url (start-dispatcher --json prints it) or set [dispatcher] coordinator_endpoint.');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url expects a URL such as http://127.0.0.1:8080 (got "${raw}").`);
  }
  const scheme = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' }[url.protocol];
  if (!scheme) throw new UsageError(`--url expects an http://, https://, ws:// or wss:// URL (got "${raw}").`);
  return `${scheme}//${url.host}`;
}

/** The exit-code-bearing code for an HTTP error answer. */
function codeFor(status: number, remoteCode: unknown): ErrorCode {
  if (status === 400) return remoteCode === 'MANIFEST_INVALID' ? 'MANIFEST_INVALID' : 'USAGE';
  // Our token, our host name or a too-large manifest: fix the config or the input (exit 2).
  if (status === 401 || status === 403 || status === 413) return 'USAGE';
  if (status === 404) return 'RUN_NOT_FOUND';
  // The run exists but is not active there (finished, or hosted elsewhere): nothing to control.
  if (status === 409) return 'USAGE';
  if (status === 503) return 'DISPATCHER_UNREACHABLE';
  return 'OPERATION_FAILED';
}

function hintFor(status: number): string {
  if (status === 401) return ' Set the shared token: [dispatcher] auth_token (or [security] api_key) in the config, or SWARM_AUTH_TOKEN.';
  if (status === 403) return " Add the host name in the URL to the dispatcher's [security] allowed_hosts.";
  if (status === 413) return " Raise the dispatcher's [security] max_message_size, or send a smaller manifest.";
  return '';
}

export class DispatcherClient {
  private readonly token: string | undefined;

  constructor(
    readonly url: string,
    config: SwarmConfig,
    private readonly timeoutMs = 10_000,
  ) {
    this.token = resolvedAuthToken(config);
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw noDispatcher(this.url, error);
    }
    let data: unknown;
    try {
      data = await response.json();
    } catch (error) {
      throw new SwarmError(
        'DISPATCHER_UNREACHABLE',
        `the server at ${this.url} did not answer like a swarm dispatcher (HTTP ${response.status}, not JSON); check --url or [dispatcher] coordinator_endpoint`,
        { cause: error },
      );
    }
    if (response.ok) return data as T;
    const error = (data as { error?: { name?: string; code?: string; message?: string; issues?: unknown[] } }).error ?? {};
    const message = `${error.message ?? `HTTP ${response.status}`}${hintFor(response.status)}`;
    throw new DispatcherError(
      codeFor(response.status, error.code),
      error.name ?? 'DispatcherError',
      `the dispatcher at ${this.url} refused the request: ${message}`,
      response.status,
      Array.isArray(error.issues) ? error.issues : undefined,
    );
  }
}
