import { DISPATCHER_ANSWER_FORMAT, DISPATCHER_ANSWER_HEADER } from '../dispatcher-answer.ts';
import { SwarmError, UsageError } from '../errors.ts';
import { jsonProblems } from '../json-limits.ts';
import { DispatcherGaveUpError, StoreLockedError, isTransientStoreFailure } from '../store/store-errors.ts';
import { errorJson } from '../cli/output.ts';

/**
 * Small HTTP helpers shared by the dispatcher's routes: JSON responses, the error document
 * (the same `{"error": {name, code, message, issues?}}` the CLI prints with --json, so a client
 * can hand it on unchanged) and a request body reader with a size cap.
 */

/** An error that carries its own HTTP status (auth, host, size, routing problems). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Headers the answer carries (a 405's `allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', [DISPATCHER_ANSWER_HEADER]: DISPATCHER_ANSWER_FORMAT, ...headers },
  });
}

/** The HTTP status for an error raised while handling a request. */
function statusFor(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof SwarmError) {
    switch (error.code) {
      case 'MANIFEST_INVALID':
      case 'USAGE':
        return 400;
      case 'RUN_NOT_FOUND':
        return 404;
      case 'RUN_STATE_CONFLICT':
        return 409;
      case 'DISPATCHER_UNREACHABLE': // stopping: accepts no new run
      case 'STORE_UNAVAILABLE':
      case 'STORE_SCHEMA':
        return 503;
    }
  }
  return 500;
}

/**
 * Whether the error is the dispatcher's own failure (a 5xx other than "stopping"): it is
 * logged, and its message stays in the log — it can hold a file path or a library's words,
 * which are none of the client's business.
 */
export function isInternalError(error: unknown): boolean {
  if (error instanceof HttpError) return false;
  if (error instanceof SwarmError && error.code === 'DISPATCHER_UNREACHABLE') return false;
  if (error instanceof DispatcherGaveUpError) return false; // its message is written for clients
  return statusFor(error) >= 500;
}

/** What a client is told of an internal error: its kind, never its details. */
function internalErrorBody(error: unknown): { name: string; code: string; message: string } {
  if (error instanceof StoreLockedError) {
    return { name: error.name, code: error.code, message: 'The state database is locked by another process (a long write, such as a large `swarm prune`); try again once it is done.' };
  }
  if (isTransientStoreFailure(error)) {
    return { name: (error as Error).name, code: 'STORE_UNAVAILABLE', message: 'The state database cannot be reached; the server keeps trying (GET /health says until when).' };
  }
  if (error instanceof SwarmError && error.code.startsWith('STORE_')) {
    return { name: error.name, code: error.code, message: 'The state database refused the operation; the server\'s log says why.' };
  }
  return { name: 'InternalError', code: 'INTERNAL', message: 'The server failed to handle this request; its log says why.' };
}

/** The JSON error contract `{"error": {name, code, message, issues?}}` with the error's status. */
export function errorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const body =
    error instanceof HttpError
      ? { name: error.name, code: error.code, message: error.message }
      : isInternalError(error)
        ? internalErrorBody(error)
        : errorJson(error);
  return json({ error: body }, statusFor(error), error instanceof HttpError ? { ...error.headers, ...headers } : headers);
}

/**
 * Throws a 415 HttpError unless the request declares a JSON body (`application/json`, or a
 * `+json` type). Every POST of the API must, even one whose body says nothing (`{}`): a page
 * on another site can make a browser send a POST without asking first only as text/plain, a
 * form or no type at all, so no such "simple" request ever acts, whatever else is checked.
 */
export function checkJsonType(request: Request): void {
  const type = request.headers.get('content-type');
  if (type === null || !/^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i.test(type.trim())) {
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'A POST must carry a JSON body declared as such: send it with Content-Type: application/json (a body of {} when there is nothing to say).',
    );
  }
}

/**
 * Reads a JSON request body of at most `maxBytes`. A declared Content-Length over the limit is
 * refused before anything is read; a body without one (chunked) is read only up to the limit,
 * so an oversized request never sits in memory whole. 413 when too large, 415 when not
 * declared as JSON (checkJsonType), 400 when not JSON.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  checkJsonType(request);
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds [security] max_message_size (${maxBytes} bytes).`);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    try {
      for await (const chunk of request.body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw tooLarge();
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof HttpError) throw error;
      // The client went away mid-body: its request, not the dispatcher, failed (no answer reaches it).
      throw new HttpError(400, 'BODY_INCOMPLETE', 'The request body ended before it was complete (the connection closed).');
    }
  }
  let text: string;
  try {
    text = UTF8.decode(Buffer.concat(chunks));
  } catch {
    // Decoded leniently, each bad byte would become U+FFFD in what is stored (a manifest's text).
    throw new UsageError('The request body is not UTF-8 text, which JSON is; send it as UTF-8.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError('The request body is not valid JSON.');
  }
  // JSON's escape of half a UTF-16 pair ("\ud83d") makes text that UTF-8 cannot hold: refused
  // here, with where, rather than passed on to a manifest, a name or a backend.
  for (const problem of jsonProblems(body)) {
    if (problem.reason === 'lone-surrogate') throw new UsageError(`The request body holds ${problem.message}.`);
  }
  return body;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
