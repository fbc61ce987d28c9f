import type { z } from 'zod';
import { formatIssues, formatPath, describeValue, type PathSegment } from './issues.ts';
import { PROTOCOL_VERSION, type ToDispatcherMessage, type ToWorkerMessage, type WireMessage } from './messages.ts';
import { TO_DISPATCHER_TYPES, TO_WORKER_TYPES, toDispatcherSchemas, toWorkerSchemas } from './schemas.ts';

/**
 * Framing: messages to the text of one WebSocket frame and back. Pure: no socket, no clock.
 *
 * A frame holding one message is `{"v":1,"type":…,…}`; several go in one batch frame
 * `{"v":1,"type":"batch","messages":[…]}` (the messages without `v`). Batching is the
 * throughput lever: a frame costs far more than the few bytes of a message.
 */

/** Which side is receiving: a dispatcher decodes 'toDispatcher' frames, a worker 'toWorker' ones. */
export type Direction = 'toDispatcher' | 'toWorker';

export type FrameData = string | ArrayBufferLike | ArrayBufferView;

export type FrameErrorCode = 'FRAME_TOO_LARGE' | 'FRAME_MALFORMED' | 'PROTOCOL_VERSION';

/** What was wrong with a frame; `message` says where (`messages[2].lease: …`). */
export interface FrameError {
  code: FrameErrorCode;
  message: string;
}

export type DecodeResult<M> = { ok: true; messages: M[] } | { ok: false; error: FrameError };

export interface DecodeOptions {
  /** The largest frame accepted, in bytes (UTF-8 for text frames): `[security] max_message_size`. */
  maxBytes: number;
}

const SINGLE_PREFIX = `{"v":${PROTOCOL_VERSION},`;
/** Bytes a single-message frame adds to its message's JSON (`{` becomes `{"v":1,`). */
export const SINGLE_OVERHEAD = SINGLE_PREFIX.length - 1;
const BATCH_PREFIX = `{"v":${PROTOCOL_VERSION},"type":"batch","messages":[`;
const BATCH_SUFFIX = ']}';
/** Bytes a batch frame adds to its messages' JSON, not counting the commas between them. */
export const BATCH_OVERHEAD = BATCH_PREFIX.length + BATCH_SUFFIX.length;
/** Problems listed in one error message; the rest are counted. */
const MAX_LISTED = 3;

/**
 * One frame for one message or several (a batch when more than one). Throws only what
 * JSON.stringify throws (a BigInt or a cycle in a value): check task outputs before sending.
 */
export function encodeFrame(message: ToDispatcherMessage | readonly ToDispatcherMessage[]): string;
export function encodeFrame(message: ToWorkerMessage | readonly ToWorkerMessage[]): string;
export function encodeFrame(message: WireMessage | readonly WireMessage[]): string {
  if (!isArray(message)) return SINGLE_PREFIX + JSON.stringify(message).slice(1);
  if (message.length === 1) return SINGLE_PREFIX + JSON.stringify(message[0]).slice(1);
  return frameOfEncoded(message.map((m) => JSON.stringify(m)));
}

/** The frame for messages already encoded one by one with JSON.stringify (FrameBatcher's path). */
export function frameOfEncoded(parts: readonly string[]): string {
  if (parts.length === 1) return SINGLE_PREFIX + parts[0].slice(1);
  return BATCH_PREFIX + parts.join(',') + BATCH_SUFFIX;
}

/** Length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Validates one received frame and returns its messages, or what was wrong. Never throws. A
 * batch is accepted whole or not at all. Checks, in order: size, UTF-8, JSON, an object, the
 * protocol version, then every message's type (known, and sent in this direction) and fields.
 */
export function decodeFrame(
  data: FrameData,
  direction: 'toDispatcher',
  options: DecodeOptions,
): DecodeResult<ToDispatcherMessage>;
export function decodeFrame(
  data: FrameData,
  direction: 'toWorker',
  options: DecodeOptions,
): DecodeResult<ToWorkerMessage>;
export function decodeFrame(data: FrameData, direction: Direction, options: DecodeOptions): DecodeResult<WireMessage>;
export function decodeFrame(
  data: FrameData,
  direction: Direction,
  options: DecodeOptions,
): DecodeResult<WireMessage> {
  try {
    const text = frameText(data, options.maxBytes);
    if (typeof text !== 'string') return text;
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch (err) {
      return malformed(`frame is not JSON (${errorText(err)})`);
    }
    if (!isObject(frame)) return malformed(`frame must be a JSON object, got ${describeValue(frame)}`);
    if (!Object.hasOwn(frame, 'v')) {
      return malformed(`v: missing (the protocol version; this side speaks ${PROTOCOL_VERSION})`);
    }
    if (frame.v !== PROTOCOL_VERSION) {
      if (typeof frame.v !== 'number') return malformed(`v: expected a number, got ${describeValue(frame.v)}`);
      return fail(
        'PROTOCOL_VERSION',
        `the peer speaks protocol version ${frame.v}; this side speaks version ${PROTOCOL_VERSION}: ` +
          'run the same swarm version on the dispatcher and its workers',
      );
    }
    if (frame.type !== 'batch') {
      const problems: string[] = [];
      const message = parseMessage(frame, [], direction, problems);
      return message === undefined ? malformedList(problems) : { ok: true, messages: [message] };
    }
    const list = frame.messages;
    if (!isArray(list)) {
      if (!Object.hasOwn(frame, 'messages')) return malformed('messages: missing (expected an array)');
      return malformed(`messages: expected an array, got ${describeValue(list)}`);
    }
    const messages: WireMessage[] = [];
    const problems: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const message = parseMessage(list[i], ['messages', i], direction, problems);
      if (message !== undefined) messages.push(message);
    }
    return problems.length > 0 ? malformedList(problems) : { ok: true, messages };
  } catch (err) {
    // Nothing above should throw; if something does, the peer still gets an answer.
    return malformed(`frame could not be read (${errorText(err)})`);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The frame's text, or the error for a frame too large or not UTF-8. */
function frameText(data: FrameData, maxBytes: number): string | { ok: false; error: FrameError } {
  if (typeof data === 'string') {
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: count exactly only when the length cannot decide.
    if (data.length * 3 > maxBytes && (data.length > maxBytes || utf8Length(data) > maxBytes)) {
      return tooLarge(utf8Length(data), maxBytes);
    }
    return data;
  }
  let bytes: Uint8Array;
  if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else if (data instanceof ArrayBuffer || isShared(data)) bytes = new Uint8Array(data);
  else return malformed(`frame must be text or binary, got ${describeValue(data)}`);
  if (bytes.byteLength > maxBytes) return tooLarge(bytes.byteLength, maxBytes);
  // TextDecoder does not read shared memory: copy it first.
  if (isShared(bytes.buffer)) bytes = bytes.slice();
  try {
    return decoder.decode(bytes);
  } catch {
    return malformed('frame is not valid UTF-8 text');
  }
}

type SchemaMap = Record<string, z.ZodType<WireMessage>>;
const SCHEMAS: Record<Direction, SchemaMap> = { toDispatcher: toDispatcherSchemas, toWorker: toWorkerSchemas };
const TYPES: Record<Direction, readonly string[]> = {
  toDispatcher: TO_DISPATCHER_TYPES,
  toWorker: TO_WORKER_TYPES,
};
const RECEIVER: Record<Direction, string> = { toDispatcher: 'a dispatcher', toWorker: 'a worker' };
const OTHER: Record<Direction, Direction> = { toDispatcher: 'toWorker', toWorker: 'toDispatcher' };

/** One message (a whole single frame, or one entry of a batch); problems go to `problems`. */
function parseMessage(
  value: unknown,
  at: readonly PathSegment[],
  direction: Direction,
  problems: string[],
): WireMessage | undefined {
  if (!isObject(value)) {
    problems.push(`${formatPath(at)}: expected a message object, got ${describeValue(value)}`);
    return undefined;
  }
  const type = value.type;
  const schemas = SCHEMAS[direction];
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema !== undefined) {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const context = ` (in ${/^[aeiou]/.test(String(type)) ? 'an' : 'a'} "${String(type)}" message)`;
    for (const line of formatIssues(result.error.issues, value, at)) problems.push(line + context);
    return undefined;
  }
  const where = formatPath([...at, 'type']);
  const known = `${RECEIVER[direction]} receives ${TYPES[direction].join(', ')}`;
  if (typeof type !== 'string') {
    const what = Object.hasOwn(value, 'type') ? `expected a string, got ${describeValue(type)}` : 'missing';
    problems.push(`${where}: ${what}; ${known}`);
    return undefined;
  }
  if (type === 'batch') problems.push(`${where}: a batch cannot hold another batch`);
  else if (Object.hasOwn(SCHEMAS[OTHER[direction]], type)) {
    problems.push(`${where}: "${type}" is not a message ${RECEIVER[direction]} receives; ${known}`);
  } else problems.push(`${where}: unknown message type ${describeValue(type).replace(/^string /, '')}; ${known}`);
  return undefined;
}

function isShared(value: unknown): value is SharedArrayBuffer {
  return typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer;
}

/** An exception's message, cut short: it goes into a reply to the peer. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function fail(code: FrameErrorCode, message: string): { ok: false; error: FrameError } {
  return { ok: false, error: { code, message } };
}

function malformed(message: string): { ok: false; error: FrameError } {
  return fail('FRAME_MALFORMED', message);
}

function malformedList(problems: string[]): { ok: false; error: FrameError } {
  const listed = problems.slice(0, MAX_LISTED).join('; ');
  const more = problems.length - MAX_LISTED;
  return malformed(more > 0 ? `${listed}; and ${more} more problem${more === 1 ? '' : 's'}` : listed);
}

function tooLarge(bytes: number, maxBytes: number): { ok: false; error: FrameError } {
  return fail('FRAME_TOO_LARGE', `frame is ${bytes} bytes; the limit is ${maxBytes} (max_message_size)`);
}
