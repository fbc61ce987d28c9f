/**
 * Comparing and showing the values a re-simulation checks: JSON-like data (projections,
 * contexts, event payloads), compared structurally — key order does not matter, and neither
 * does `undefined` against a missing key, since both vanish in the store's JSON columns.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    // undefined is stored as null (json-columns.ts).
    return (a ?? null) === (b ?? null) || (Number.isNaN(a) && Number.isNaN(b));
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    if (a.length !== bs.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], bs[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k in ao) if (ao[k] !== undefined && !sameValue(ao[k], bo[k])) return false;
  for (const k in bo) if (bo[k] !== undefined && ao[k] === undefined) return false;
  return true;
}

/** Two contexts that are the same but for the top-level keys in `except`. */
export function sameExcept(a: Record<string, unknown>, b: Record<string, unknown>, except: ReadonlySet<string>): boolean {
  for (const k in a) if (!except.has(k) && !sameValue(a[k], b[k])) return false;
  for (const k in b) if (!except.has(k) && a[k] === undefined && b[k] !== undefined) return false;
  return true;
}

/** A value as short text for an error message. */
export function show(value: unknown, max = 160): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A journal row's or a simulated step's transition, as `from -> to (event)`. */
export function showStep(from: string | null, to: string, event: string): string {
  return `${from ?? '(start)'} -> ${to} (${event})`;
}
