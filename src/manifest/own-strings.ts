/**
 * Strings of a manifest that do not share the file's text. In JavaScriptCore a slice of a
 * string longer than 8 characters shares the whole string's memory (shorter ones are copied),
 * and the readers' values are slices of the file's text. So one value kept for a run kept the
 * whole file: a million-symbol run held its 73 MB YAML to the end through the workflow's name.
 */

/** `text` as a string of its own (JSON's round trip makes a fresh string, ~0.1 µs). */
export function ownString(text: string): string {
  return text.length > 8 ? (JSON.parse(JSON.stringify(text)) as string) : text;
}

/**
 * Replaces, in place, every string value in `data` (objects and arrays, at any depth) with
 * ownString's copy. Iterative; each object is visited once, so data that contains itself
 * (a YAML alias inside its own anchor) ends too.
 */
export function ownStringsIn<T>(data: T): T {
  if (data === null || typeof data !== 'object') return data;
  const seen = new Set<object>();
  // One copy per string: an alias gives every place the same string, and a copy for each
  // place would multiply a long one by the aliases (1 MB, 2,000 times, was 2 GB).
  const copies = new Map<string, string>();
  const stack: object[] = [data];
  while (stack.length > 0) {
    const node = stack.pop()! as Record<string, unknown>;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (typeof value === 'string') {
        if (value.length > 8) {
          let copy = copies.get(value);
          if (copy === undefined) copies.set(value, (copy = ownString(value)));
          node[key] = copy;
        }
      } else if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return data;
}

/** How many distinct short strings a reader keeps, and how long a short one is. */
const KEPT_STRINGS = 4096;
const KEPT_LENGTH = 32;

/**
 * The strings one reader gives out. A manifest repeats its short values (`type: action`, an
 * operation's name) once per symbol, and each would be a string of its own: a million
 * symbols' copies held ~100 MB while the manifest was checked. The first KEPT_STRINGS short
 * strings are kept and given out again instead; every string given out is its own
 * (ownString).
 */
export class KeptStrings {
  private readonly strings = new Map<string, string>();

  give(value: string): string {
    if (value.length > KEPT_LENGTH) return ownString(value);
    const same = this.strings.get(value);
    if (same !== undefined) return same;
    const own = ownString(value);
    if (this.strings.size < KEPT_STRINGS) this.strings.set(own, own);
    return own;
  }
}
