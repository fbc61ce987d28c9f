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
  const stack: object[] = [data];
  while (stack.length > 0) {
    const node = stack.pop()! as Record<string, unknown>;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (typeof value === 'string') {
        if (value.length > 8) node[key] = ownString(value);
      } else if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return data;
}
