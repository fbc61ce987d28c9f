/**
 * What the swarm can store and send: JSON, nested at most MAX_JSON_DEPTH levels. Everything
 * that comes from outside (a manifest's values, a task's output, a worker's frame) is checked
 * against this where it enters, so a value JSON cannot hold never reaches a journal commit,
 * where it would fail a whole batch of unrelated runs.
 */

/** Deepest nesting of arrays and objects kept. Far beyond any real output; far below the stack. */
export const MAX_JSON_DEPTH = 256;

export type JsonProblemReason = 'cycle' | 'depth' | 'bigint' | 'not-json';

export interface JsonProblem {
  reason: JsonProblemReason;
  /** Where, as `$.a[2].b`. */
  path: string;
  /** In words, for an error message. */
  message: string;
}

interface Frame {
  value: object;
  path: string;
  depth: number;
  /** Set when the frame's children have been pushed: popping it again leaves it. */
  entered: boolean;
  /** A toJSON() result: JSON.stringify writes it as it is, without calling its own toJSON. */
  fromToJson: boolean;
}

/**
 * Why `value` cannot be stored as JSON, or null when it can. Iterative (no recursion, so a
 * 100k-deep value cannot overflow the stack) and quick for primitives. Functions and symbols
 * are fine (JSON drops them); what throws or explodes in JSON.stringify is not.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  if (typeof value === 'bigint') return problem('bigint', '$');
  if (value === null || typeof value !== 'object') return null;
  const onPath = new Set<object>();
  const stack: Frame[] = [{ value, path: '$', depth: 1, entered: false, fromToJson: false }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.entered) {
      onPath.delete(frame.value);
      stack.pop();
      continue;
    }
    frame.entered = true;
    if (frame.depth > maxDepth) return problem('depth', frame.path, maxDepth);
    if (onPath.has(frame.value)) return problem('cycle', frame.path);
    onPath.add(frame.value);
    // toJSON (a Date, a Buffer) decides what is written; its result is checked in its place.
    const toJson = frame.fromToJson ? undefined : (frame.value as { toJSON?: unknown }).toJSON;
    const shown = typeof toJson === 'function' ? safeToJson(frame.value) : frame.value;
    if (shown === NOT_JSON) return problem('not-json', frame.path);
    if (shown !== frame.value) {
      if (typeof shown === 'bigint') return problem('bigint', frame.path);
      if (shown !== null && typeof shown === 'object') {
        stack.push({ value: shown, path: frame.path, depth: frame.depth, entered: false, fromToJson: true });
      }
      continue;
    }
    const isArray = Array.isArray(shown);
    for (const key of Object.keys(shown)) {
      const child = (shown as Record<string, unknown>)[key];
      const path = isArray ? `${frame.path}[${key}]` : `${frame.path}.${key}`;
      if (typeof child === 'bigint') return problem('bigint', path);
      if (child !== null && typeof child === 'object') stack.push({ value: child, path, depth: frame.depth + 1, entered: false, fromToJson: false });
    }
  }
  return null;
}

const NOT_JSON = Symbol('not-json');

function safeToJson(value: object): unknown {
  try {
    return (value as { toJSON(): unknown }).toJSON();
  } catch {
    return NOT_JSON;
  }
}

function problem(reason: JsonProblemReason, path: string, maxDepth = MAX_JSON_DEPTH): JsonProblem {
  const message =
    reason === 'bigint'
      ? `a BigInt at ${path}, which JSON cannot hold (convert it to a string or a number)`
      : reason === 'cycle'
        ? `a reference cycle at ${path} (an object that contains itself)`
        : reason === 'depth'
          ? `nesting deeper than ${maxDepth} levels at ${path}`
          : `a value at ${path} whose toJSON() throws`;
  return { reason, path, message };
}
