import { plainTransition } from '../../store/stored-rows.ts';
import type { TransitionRecord } from '../../store/types.ts';

/**
 * Journal rows as the HTTP API and the dashboard send them: an error in a payload without its
 * stack, whose frames name the dispatcher's own files and this machine's paths (the run result
 * leaves stacks out too, run-result.ts). The journal keeps them, for `swarm history --json` on
 * the host. A row without a stack in it is passed as it is.
 */
export function rowsForClients(rows: readonly TransitionRecord[]): TransitionRecord[] {
  return rows.map((row) => {
    const payload = withoutStacks(row.payload);
    // Not spread: a row read from the database keeps the payload as stored, stack included.
    return payload === row.payload ? row : plainTransition(row, payload);
  });
}

/** `value` with every `stack` of an error-like object (one with a string `message`) left out; the same value when there is none. */
function withoutStacks(value: unknown, depth = 0): unknown {
  // Payloads are the swarm's own records: errors sit a level or two down (context.error,
  // output of a failed attempt). A bound keeps a deep output from costing a deep walk.
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = withoutStacks(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  if (typeof record.message === 'string' && 'stack' in record) {
    const { stack: _stack, ...rest } = record;
    out = rest;
  }
  for (const [key, inner] of Object.entries(out ?? record)) {
    const next = withoutStacks(inner, depth + 1);
    if (next !== inner) (out ??= { ...record })[key] = next;
  }
  return out ?? value;
}
