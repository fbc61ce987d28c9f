import { createHash, timingSafeEqual } from 'node:crypto';
import { errorCode, type SerializedError } from '../src/errors.ts';

/**
 * Free-form strings a remote worker sends that the dispatcher keeps — log lines, the errors of
 * its outcomes — cut to sizes a log or a row can hold. The frame limit alone (1 MiB) would let
 * every log line of a worker be a megabyte. Cutting, not refusing: an outcome is a result the
 * run needs, and a log line is still worth its first kilobytes.
 */

export const MAX_LOG_MESSAGE = 4_096;
/** The JSON of a log line's fields, in characters. */
export const MAX_LOG_FIELDS = 8_192;
export const MAX_ERROR_MESSAGE = 65_536;
export const MAX_ERROR_STACK = 16_384;
/** `name` and `code` are identifiers, not prose. */
const MAX_ERROR_LABEL = 200;

/** `text` cut to `max` characters, saying how much was left out. */
export function truncated(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

/** A worker's log line, bounded: fields whose JSON is too long are replaced by a note of their size. */
export function boundedWorkerLog(message: string, fields: Record<string, unknown>): { message: string; fields: Record<string, unknown> } {
  let size: number;
  try {
    size = JSON.stringify(fields).length;
  } catch {
    size = Number.POSITIVE_INFINITY; // nested too deep to write: not kept either
  }
  return {
    message: truncated(message, MAX_LOG_MESSAGE),
    fields: size <= MAX_LOG_FIELDS ? fields : { cut: `the worker's fields were ${Number.isFinite(size) ? `${size} characters of JSON` : 'not writable as JSON'}; the limit is ${MAX_LOG_FIELDS}` },
  };
}

/** The error of a worker's outcome, bounded before it is stored and shown. */
export function boundedWorkerError(error: SerializedError): SerializedError {
  return {
    name: truncated(error.name, MAX_ERROR_LABEL),
    message: truncated(error.message, MAX_ERROR_MESSAGE),
    code: truncated(errorCode(error.code), MAX_ERROR_LABEL),
    ...(error.stack !== undefined ? { stack: truncated(error.stack, MAX_ERROR_STACK) } : {}),
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares two secrets in constant time (as fixed-length digests), so timing says nothing about either. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
