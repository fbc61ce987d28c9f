import type { Rng } from './prng.ts';

/**
 * Text mutations shared by the manifest and config fuzzers: byte flips (which may leave invalid
 * UTF-8), truncation, deleted / duplicated / swapped lines, junk lines, NUL and control
 * characters, indentation changes, a BOM, CRLF line ends.
 */

const JUNK_LINES = [
  '  - ',
  '&a',
  '*a',
  '<<: *a',
  ': :',
  '[[symbols]]',
  '[symbols',
  '[dispatcher]',
  'key = ',
  '= 1',
  '\t',
  '%YAML 1.1',
  '---',
  '...',
  '!!binary',
  'name: \u0000',
  'name = "\u0000"',
  '"unterminated',
  "'also unterminated",
  '{',
  '}}}',
  '[[[',
  'x = [1, "a", {b = 2}]',
  'timeout: 99999999999999999999999',
  'timeout = 2147483648',
  'a.b.c = 1',
  '# comment \u202e',
  '\ufeff',
];

const encoder = new TextEncoder();

function lines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** 1 to 3 text mutations of `input`, described in `notes`. */
export function mutateText(rng: Rng, input: Uint8Array): { bytes: Uint8Array; notes: string[] } {
  let bytes = input;
  const notes: string[] = [];
  for (let k = rng.int(1, 3); k > 0; k--) {
    const kind = rng.weighted<string>([
      [4, 'flip'],
      [2, 'truncate'],
      [3, 'deleteLine'],
      [3, 'duplicateLine'],
      [1, 'swapLines'],
      [3, 'junkLine'],
      [2, 'insertControl'],
      [1, 'indent'],
      [1, 'bom'],
      [1, 'crlf'],
    ]);
    const at = rng.int(0, Math.max(0, bytes.length - 1));
    switch (kind) {
      case 'flip': {
        const copy = new Uint8Array(bytes);
        const n = rng.int(1, 4);
        for (let i = 0; i < n && copy.length > 0; i++) copy[rng.int(0, copy.length - 1)] = rng.int(0, 255);
        bytes = copy;
        notes.push(`${n} byte flip(s)`);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, at);
        notes.push(`truncated at ${at}`);
        break;
      case 'deleteLine': {
        const ls = lines(bytes);
        if (ls.length > 0) ls.splice(rng.int(0, ls.length - 1), 1);
        bytes = join(ls);
        notes.push('a line deleted');
        break;
      }
      case 'duplicateLine': {
        const ls = lines(bytes);
        if (ls.length > 0) {
          const i = rng.int(0, ls.length - 1);
          ls.splice(i, 0, ls[i]);
        }
        bytes = join(ls);
        notes.push('a line duplicated');
        break;
      }
      case 'swapLines': {
        const ls = lines(bytes);
        if (ls.length > 1) {
          const i = rng.int(0, ls.length - 1);
          const j = rng.int(0, ls.length - 1);
          [ls[i], ls[j]] = [ls[j], ls[i]];
        }
        bytes = join(ls);
        notes.push('two lines swapped');
        break;
      }
      case 'junkLine': {
        const ls = lines(bytes);
        const junk = rng.pick(JUNK_LINES);
        ls.splice(rng.int(0, ls.length), 0, encoder.encode(junk + '\n'));
        bytes = join(ls);
        notes.push(`junk line ${JSON.stringify(junk)}`);
        break;
      }
      case 'insertControl': {
        const ch = rng.pick([0, 1, 7, 8, 11, 12, 13, 27, 127, 0xc0, 0xff, 0xfe]);
        bytes = join([bytes.subarray(0, at), new Uint8Array([ch]), bytes.subarray(at)]);
        notes.push(`byte 0x${ch.toString(16)} inserted at ${at}`);
        break;
      }
      case 'indent': {
        const ls = lines(bytes);
        if (ls.length > 0) {
          const i = rng.int(0, ls.length - 1);
          ls[i] = join([encoder.encode(rng.pick([' ', '   ', '\t'])), ls[i]]);
        }
        bytes = join(ls);
        notes.push('a line re-indented');
        break;
      }
      case 'bom':
        bytes = join([new Uint8Array([0xef, 0xbb, 0xbf]), bytes]);
        notes.push('BOM');
        break;
      case 'crlf':
        bytes = encoder.encode(new TextDecoder().decode(bytes).replace(/\n/g, '\r\n'));
        notes.push('CRLF');
        break;
    }
  }
  return { bytes, notes };
}
