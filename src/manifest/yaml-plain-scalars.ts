/**
 * The scalars of the plain YAML reader (yaml-plain.ts): what a plain scalar means under YAML
 * 1.2's core schema, as the `yaml` package resolves it (the same tests in the same order, the
 * same parse calls), and one-line quoted scalars. Anything else throws OUTSIDE_PLAIN_YAML.
 */

/** Thrown when the text leaves the part of YAML the plain reader reads; caught at its entry. */
export const OUTSIDE_PLAIN_YAML = new (class OutsidePlainYaml {})();

const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** What a plain (unquoted, non-empty) scalar means: null, a boolean, a number or a string. */
export function resolvePlain(text: string): unknown {
  const first = text.charCodeAt(0);
  const letter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122);
  if (letter) {
    // Of the core schema's values, only null and the booleans begin with a letter.
    if (NULL.test(text)) return null;
    if (TRUE.test(text)) return true;
    if (FALSE.test(text)) return false;
    return text;
  }
  if (NULL.test(text)) return null;
  const integer = integerOf(text);
  if (integer !== undefined) {
    // The full reader reports it at its place (lossyIntegers).
    if (!Number.isSafeInteger(integer)) throw OUTSIDE_PLAIN_YAML;
    return integer;
  }
  if (FLOAT_NAN.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text);
  return text;
}

/** The value of a plain scalar written as an integer (decimal, 0o octal, 0x hex), else undefined. */
function integerOf(text: string): number | undefined {
  if (INT_OCT.test(text)) return parseInt(text.substring(2), 8);
  if (INT.test(text)) return parseInt(text, 10);
  if (INT_HEX.test(text)) return parseInt(text.substring(2), 16);
  return undefined;
}

/**
 * Whether a plain scalar is an integer a JavaScript number cannot hold exactly (beyond
 * ±(2^53 − 1): 30 digits became 1.2345678901234568e+29), as TOML's reader refuses one.
 */
export function isLossyInteger(text: string): boolean {
  const integer = integerOf(text);
  return integer !== undefined && !Number.isSafeInteger(integer);
}

/** Escapes of a double-quoted scalar that the plain reader decodes; others leave the subset. */
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r' };

/**
 * A double-quoted scalar that opens at `start` and closes before `lineEnd`: its value and the
 * offset after the closing quote.
 */
export function readDoubleQuoted(text: string, start: number, lineEnd: number): [string, number] {
  let value = '';
  let from = start + 1;
  for (let i = from; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) return [value + text.slice(from, i), i + 1];
    if (c !== 92 /* \ */) continue;
    value += text.slice(from, i);
    const escape = text[i + 1];
    if (escape === 'u') {
      const hex = text.slice(i + 2, i + 6);
      const code = /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : -1;
      // Surrogates and controls: the full reader's business.
      if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xd800 && code < 0xe000)) throw OUTSIDE_PLAIN_YAML;
      value += String.fromCharCode(code);
      i += 5;
    } else {
      const decoded = ESCAPES[escape];
      if (decoded === undefined) throw OUTSIDE_PLAIN_YAML;
      value += decoded;
      i += 1;
    }
    from = i + 1;
  }
  throw OUTSIDE_PLAIN_YAML; // not closed on its line
}

/** A single-quoted scalar on one line (`''` is a quote): its value and the offset after it. */
export function readSingleQuoted(text: string, start: number, lineEnd: number): [string, number] {
  let value = '';
  let from = start + 1;
  for (let i = from; i < lineEnd; i++) {
    if (text.charCodeAt(i) !== 39 /* ' */) continue;
    value += text.slice(from, i);
    if (text.charCodeAt(i + 1) !== 39) return [value, i + 1];
    value += "'";
    i += 1;
    from = i + 1;
  }
  throw OUTSIDE_PLAIN_YAML;
}
