/**
 * How JSON-valued fields are stored, in one place so every store behaves the same.
 *
 * The rule: `undefined` and `null` are both stored as SQL NULL and read back as `null` — a store
 * never hands back `undefined` for a value it holds. Inside a value, plain JSON rules apply
 * (undefined properties vanish, Dates become ISO strings, NaN becomes null); a value JSON cannot
 * encode (a cycle, a BigInt) throws, which inside `commit` aborts the whole batch.
 */

/** Encodes a value for a JSON column: JSON text, or null for null/undefined. */
export function encodeJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // JSON.stringify returns undefined for functions and symbols: store those as null too.
  return JSON.stringify(value) ?? null;
}

/** Decodes a JSON column; SQL NULL reads back as `null`. */
export function decodeJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
