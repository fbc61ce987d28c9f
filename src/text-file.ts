import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { describePathError, pathNextStep } from './path-problems.ts';

/**
 * Reads a file a user names as input (a manifest, a config) as UTF-8 text, or says in words
 * why it cannot: a file that is not one (a directory, a named pipe that may never be written
 * to, a device such as /dev/zero that never ends), one too big to be what it claims, and text
 * that is not UTF-8 (the readers would otherwise replace each bad byte with U+FFFD and store a
 * changed value, or read a UTF-16 file as a list of odd characters).
 */

export class TextFileError extends Error {
  override name = 'TextFileError';
}

// A UTF-8 byte order mark is dropped: it is no character of the text, and the readers counted
// it as a column of line 1.
const decoder = new TextDecoder('utf-8', { fatal: true });

export function readTextFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a named pipe nobody writes to returns at once instead of waiting.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new TextFileError(`${describePathError(error, path)}; ${pathNextStep(error, path)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new TextFileError('it is a directory, not a file');
    if (!stat.isFile()) throw new TextFileError('it is not a regular file (a named pipe, a socket or a device); save the text to a file and give that');
    if (stat.size > maxBytes) {
      throw new TextFileError(`it is ${mib(stat.size)}, more than the ${mib(maxBytes)} a file given here may be`);
    }
    const bytes = new Uint8Array(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break; // shrank while read
      read += n;
    }
    return decodeUtf8(bytes.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new TextFileError('it is UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8');
  }
  try {
    return decoder.decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    const { line, column } = lineAndColumn(bytes, at);
    throw new TextFileError(
      `it is not UTF-8 text: byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')} at line ${line}, column ${column} ` +
        'is not part of a UTF-8 character (a file saved as Latin-1 or Windows-1252?); save it as UTF-8',
    );
  }
}

/** Where UTF-8 decoding fails: the first byte that does not begin or continue a valid sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    const second = bytes[i + 1];
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

/** 1-based line and column (in characters, counting each UTF-8 sequence once) of byte `at`. */
function lineAndColumn(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  // A byte order mark is no column of the text.
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      column = 1;
    } else if ((bytes[i] & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MiB`;
}
