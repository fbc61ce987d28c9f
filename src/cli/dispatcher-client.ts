import { coordinatorEndpoint, resolvedAuthToken, type SwarmConfig } from '../config/index.ts';
import { DISPATCHER_ANSWER_HEADER } from '../dispatcher-answer.ts';
import { SwarmError, UsageError, type ErrorCode } from '../errors.ts';

/**
 * How `deploy`, `status` and the control commands talk to a running dispatcher: JSON over HTTP,
 * with the shared token when one is configured. Every way of not getting an answer (refused,
 * timed out, not a dispatcher) is a DISPATCHER_UNREACHABLE error (exit 3) that says how to start
 * one; the dispatcher's own error documents come back as errors with the same name, code and
 * issues.
 *
 * Several dispatchers may be named (`--url a,b`: dispatchers sharing a database): a request
 * goes to the first that answers. One that cannot be reached, or answers that it is unavailable
 * (503: stopping), is passed over; any other answer is final — except "no such run", which sends
 * a request about a run on to the next, since another dispatcher may host it. The dispatcher
 * that answered is asked first from then on.
 *
 * A POST that must not be carried out twice (a deploy, replay or rollback) is never sent again
 * once it may have been received: a dispatcher that froze (SIGSTOP, a paused VM) reads the request
 * waiting in its socket when it goes on and acts on it, however long the client has waited. So
 * each dispatcher is first asked for `/health`, and only one that answered it gets the POST; one
 * that did not (refused, timed out) never saw the request and is passed over. Once the POST is
 * sent, only a refused connection (nothing sent) or the dispatcher's own answer counts: no
 * answer in time, a connection cut, or an answer that is not the dispatcher's (a proxy giving
 * up) is OUTCOME_UNKNOWN (exit 3), which says how to look. Control requests (cancel, pause,
 * resume) may be repeated (`repeatable`): only the dispatcher hosting the run acts on them.
 */

/**
 * An error the dispatcher answered with, carried over with its name, code and issues. `code`
 * is what decides the exit code here; `remoteCode` is the dispatcher's own (RUN_NOT_ACTIVE, …),
 * which --json prints, as the API gave it.
 */
export class DispatcherError extends SwarmError {
  readonly issues?: unknown[];
  constructor(
    code: ErrorCode,
    name: string,
    message: string,
    readonly status: number,
    issues?: unknown[],
    readonly remoteCode?: string,
  ) {
    super(code, message);
    this.name = name;
    if (issues) this.issues = issues;
  }
}

/** A server answered, but not as a swarm dispatcher does (a wrong --url): exit 3, as for no answer. */
export class NotADispatcherError extends SwarmError {
  constructor(url: string, status: number, what: string, cause?: unknown) {
    super(
      'DISPATCHER_UNREACHABLE',
      `the server at ${url} did not answer like a swarm dispatcher (HTTP ${status}, ${what}); check --url or [dispatcher] coordinator_endpoint`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'NotADispatcherError';
  }
}

export function noDispatcher(url: string, cause?: unknown): SwarmError {
  return new SwarmError('DISPATCHER_UNREACHABLE', `no dispatcher at ${url}; start one with \`swarm start-dispatcher\``, { cause });
}

/** A dispatcher that did not answer the `/health` asked before a POST: the POST was not sent. */
function noAnswerToProbe(url: string, cause: unknown): SwarmError {
  if (!isTimeout(cause)) return noDispatcher(url, cause);
  return new SwarmError(
    'DISPATCHER_UNREACHABLE',
    `no dispatcher answered at ${url} in time, so nothing was sent to it; is it running (\`swarm start-dispatcher\`), or stopped or cut off?`,
    { cause },
  );
}

/** A POST that may have been received and carried out, with no answer to say so. */
function outcomeUnknown(url: string, path: string, why: string, cause?: unknown): SwarmError {
  return new SwarmError(
    'OUTCOME_UNKNOWN',
    `the dispatcher at ${url} ${why} after it was sent POST ${path}: it may have received it and acted on it (a stopped dispatcher does once it goes on), ` +
      `so it was not sent again, to it or to another dispatcher, and whether it was done is unknown. Look before trying again: ` +
      `\`swarm status --url ${url}\`, the dispatcher's dashboard (${url}/), or \`swarm runs\` on its database.`,
    cause === undefined ? undefined : { cause },
  );
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * Errors of a connection that was never made, so no byte of the request left: refused, no such
 * host, no route. Anything else (a timeout, a reset) may come after the request was sent.
 */
const NOTHING_SENT = new Set(['ECONNREFUSED', 'ConnectionRefused', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

function nothingSent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NOTHING_SENT.has(code);
}

export interface PostOptions {
  /**
   * Safe to send to another dispatcher after one gave no answer (cancel, pause, resume: only
   * the dispatcher hosting the run acts on it, once). Not so a deploy, replay or rollback,
   * the default: each would start something again.
   */
  repeatable?: boolean;
}

/**
 * The dispatchers to ask, in order: `--url` (one URL, or several separated by commas) when
 * given, else the one of the config (see dispatcherUrl).
 */
export function dispatcherUrls(config: SwarmConfig, override?: string): string[] {
  if (override === undefined) return [dispatcherUrl(config)];
  const urls = override.split(',').map((u) => u.trim()).filter((u) => u !== '');
  if (urls.length === 0) throw new UsageError('--url expects a URL, or several separated by commas (got nothing).');
  return [...new Set(urls.map((u) => dispatcherUrl(config, u)))];
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

/**
 * A run this dispatcher does not have (404), or has in its database but does not host (409
 * RUN_NOT_ACTIVE: another dispatcher shares the database and hosts it, say after a takeover):
 * the next of several dispatchers may.
 */
function notHere(error: DispatcherError): boolean {
  return (error.status === 404 && error.code === 'RUN_NOT_FOUND') || (error.status === 409 && error.remoteCode === 'RUN_NOT_ACTIVE');
}

/** The exit-code-bearing code for an HTTP error answer. */
function codeFor(status: number, remoteCode: unknown): ErrorCode {
  if (status === 400) return remoteCode === 'MANIFEST_INVALID' ? 'MANIFEST_INVALID' : 'USAGE';
  // Our token, our host name or a too-large manifest: fix the config or the input (exit 2).
  if (status === 401 || status === 403 || status === 413) return 'USAGE';
  if (status === 404) return 'RUN_NOT_FOUND';
  // A request this server never takes (a write sent to `swarm dashboard`, which reads only): the
  // --url is wrong, nothing ran.
  if (status === 405) return 'USAGE';
  // The run exists but is not active there (finished, or hosted elsewhere): nothing to control.
  if (status === 409) return 'USAGE';
  if (status === 503) return 'DISPATCHER_UNREACHABLE';
  return 'OPERATION_FAILED';
}

function hintFor(status: number): string {
  if (status === 401) return ' Set the shared token: [dispatcher] auth_token (or [security] api_key) in the config, or SWARM_AUTH_TOKEN.';
  if (status === 403) return " Add the host name in the URL to the dispatcher's [security] allowed_hosts.";
  if (status === 413) return " Raise the dispatcher's [security] max_message_size, or send a smaller manifest.";
  // A dispatcher answers 405 too, but only to a method no swarm command sends.
  if (status === 405) return ' If this is a swarm dashboard (it reads only), point --url at the dispatcher (swarm start-dispatcher) instead.';
  return '';
}

/**
 * A request refused before any handler read it, by the HTTP server's own parser (Bun answers
 * these itself, bare: none of the dispatcher's headers, no JSON). Nothing was done, whatever
 * server it was, so it is the request to fix, not the URL: exit 2.
 */
function refusedUnread(url: string, status: number): SwarmError | null {
  if (status === 431) {
    return new SwarmError(
      'USAGE',
      `the server at ${url} refused the request unread (HTTP 431: its URL or headers are too large, over ~16 KB); ` +
        'nothing was done. Is the token ([dispatcher] auth_token, [security] api_key or SWARM_AUTH_TOKEN) that long?',
    );
  }
  if (status === 413) {
    return new SwarmError(
      'USAGE',
      `the server at ${url} refused the request unread (HTTP 413: its body is too large); nothing was done. ` +
        'Send a smaller manifest (a dispatcher reads at most [security] max_message_size).',
    );
  }
  return null;
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export class DispatcherClient {
  private readonly token: string | undefined;
  private readonly urls: string[];
  /** The dispatcher asked first: the last one that answered. */
  private current = 0;

  constructor(
    urls: string | string[],
    config: SwarmConfig,
    private readonly timeoutMs = 10_000,
  ) {
    this.urls = typeof urls === 'string' ? [urls] : urls;
    this.token = resolvedAuthToken(config);
  }

  /** The dispatcher that answered last (the first named, before any answer). */
  get url(): string {
    return this.urls[this.current];
  }

  /** The dispatcher dashboard's page of a run. */
  runPage(runId: string): string {
    return `${this.url}/runs/${encodeURIComponent(runId)}`;
  }

  /** The dispatcher's route of a run's whole result (every task, as `swarm show --json`). */
  runRoute(runId: string): string {
    return `${this.url}/api/runs/${encodeURIComponent(runId)}`;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown, options: PostOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, options.repeatable !== true);
  }

  /** `once`: the request must not be carried out twice (see the class comment). */
  private async request<T>(method: string, path: string, body?: unknown, once = false): Promise<T> {
    let unreachable: SwarmError | null = null;
    /** An answer another dispatcher may better: no such run, or unavailable (stopping). */
    let passed: DispatcherError | null = null;
    const order = [...this.urls.slice(this.current), ...this.urls.slice(0, this.current)];
    for (const url of order) {
      try {
        if (once) await this.probe(url);
        const answer = await this.requestOne<T>(url, method, path, body, once);
        this.current = this.urls.indexOf(url);
        return answer;
      } catch (error) {
        if (error instanceof DispatcherError && (error.status === 503 || (path.startsWith('/api/runs/') && notHere(error)))) {
          passed ??= error; // another dispatcher may host the run, or be up
          continue;
        }
        if (error instanceof SwarmError && error.code === 'DISPATCHER_UNREACHABLE' && !(error instanceof DispatcherError)) {
          unreachable = error;
          continue;
        }
        this.current = this.urls.indexOf(url);
        throw error;
      }
    }
    if (passed) throw passed;
    if (this.urls.length === 1) throw unreachable!;
    throw noDispatcher(this.urls.join(' or '), unreachable?.cause);
  }

  /** Whether a dispatcher answers at `url` now (any answer of its own); throws DISPATCHER_UNREACHABLE if not. */
  private async probe(url: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url + '/health', { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw noAnswerToProbe(url, error);
    }
    await response.body?.cancel();
    if (response.headers.get(DISPATCHER_ANSWER_HEADER) === null) {
      throw new NotADispatcherError(url, response.status, `no ${DISPATCHER_ANSWER_HEADER} header`);
    }
  }

  private async requestOne<T>(url: string, method: string, path: string, body?: unknown, once = false): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url + path, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (once && !nothingSent(error)) {
        throw outcomeUnknown(url, path, isTimeout(error) ? `did not answer within ${this.timeoutMs / 1000} s` : `closed the connection with no answer (${errorText(error)})`, error);
      }
      throw noDispatcher(url, error);
    }
    // Another server may answer JSON too: only a dispatcher's answers carry its header.
    if (response.headers.get(DISPATCHER_ANSWER_HEADER) === null) {
      await response.body?.cancel();
      const refused = refusedUnread(url, response.status);
      if (refused) throw refused;
      // Past a dispatcher that answered the probe: a proxy in front of it that gave up waiting.
      if (once) throw outcomeUnknown(url, path, `gave no answer of its own (HTTP ${response.status} without the ${DISPATCHER_ANSWER_HEADER} header, as from a proxy that gave up waiting)`);
      throw new NotADispatcherError(url, response.status, `no ${DISPATCHER_ANSWER_HEADER} header`);
    }
    let data: unknown;
    try {
      data = await response.json();
    } catch (error) {
      if (once) throw outcomeUnknown(url, path, `sent an answer that could not be read (${errorText(error)})`, error);
      throw new NotADispatcherError(url, response.status, 'not JSON', error);
    }
    if (response.ok) return data as T;
    const error = (data as { error?: { name?: string; code?: string; message?: string; issues?: unknown[] } }).error ?? {};
    const message = `${error.message ?? `HTTP ${response.status}`}${hintFor(response.status)}`;
    throw new DispatcherError(
      codeFor(response.status, error.code),
      error.name ?? 'DispatcherError',
      `the dispatcher at ${url} refused the request: ${message}`,
      response.status,
      Array.isArray(error.issues) ? error.issues : undefined,
      typeof error.code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(error.code) ? error.code : undefined,
    );
  }
}
