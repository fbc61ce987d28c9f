import { serializeError } from './errors.ts';
import { visibleText } from './visible-text.ts';

/**
 * What the swarm can store and send: JSON of well-formed text (frames to backends and workers
 * are UTF-8, which cannot hold half of a UTF-16 pair), nested at most MAX_JSON_DEPTH levels. Everything
 * that comes from outside (a manifest's values, a task's output, a worker's frame) is checked
 * against this where it enters, so a value JSON cannot hold never reaches a journal commit,
 * where it would fail a whole batch of unrelated runs.
 */

/** Deepest nesting of arrays and objects kept. Far beyond any real output; far below the stack. */
export const MAX_JSON_DEPTH = 256;

export type JsonProblemReason = 'cycle' | 'depth' | 'bigint' | 'not-json' | 'not-plain' | 'unreadable' | 'lone-surrogate' | 'proto-key';

export interface JsonProblem {
  reason: JsonProblemReason;
  /** Where, as `$.a[2].b`. */
  path: string;
  /** Where, as keys and indexes (`['a', 2, 'b']`), to point at a place in a source file. */
  segments: (string | number)[];
  /** In words, for an error message. */
  message: string;
}

export interface JsonProblemOptions {
  /** Also refuse NaN and ±Infinity, which JSON writes as null (a manifest's values must survive as written). */
  finiteNumbers?: boolean;
  /**
   * Also refuse objects that are not plain objects or arrays (a Set, a Map, a Uint8Array, a
   * Date: what YAML's !!set, !!omap, !!binary and !!timestamp tags make), which JSON turns into
   * something else: a manifest's values must reach every node as written.
   */
  plainData?: boolean;
  /**
   * Also refuse an own key named `__proto__` (what JSON.parse and the manifest readers make of
   * one): copied with `obj[key] = value`, as validation and many modules do, it sets the
   * prototype instead, and the key vanishes.
   */
  noProtoKeys?: boolean;
}

interface Frame {
  value: object;
  /** The frame of the enclosing value and this value's key in it; paths are built only for a problem. */
  parent: Frame | null;
  key: string | number | null;
  depth: number;
  /** Set once the frame's own checks are done; then `next` walks its children. */
  entered: boolean;
  /** A toJSON() result: JSON.stringify writes it as it is, without calling its own toJSON. */
  fromToJson: boolean;
  /** An object's keys (an array's are its indexes), and the next child to visit, last first. */
  keys: string[] | null;
  next: number;
}

/**
 * Frames are kept and reused by stack position: a walk over a million symbols would otherwise
 * leave two million frames behind, faster than the collector takes them back.
 */
function frameAt(stack: Frame[], top: number, value: object, parent: Frame | null, key: string | number | null, depth: number, fromToJson: boolean): Frame {
  let frame = stack[top];
  if (frame === undefined) {
    frame = { value, parent, key, depth, entered: false, fromToJson, keys: null, next: -1 };
    stack.push(frame);
    return frame;
  }
  frame.value = value;
  frame.parent = parent;
  frame.key = key;
  frame.depth = depth;
  frame.entered = false;
  frame.fromToJson = fromToJson;
  frame.keys = null;
  frame.next = -1;
  return frame;
}

/** Where the walk reads now: a value that throws when read (a getter, a Proxy's trap) is reported there. */
interface Reading {
  frame: Frame | null;
  key: string | number | null;
}

/**
 * Why `value` cannot be stored as JSON, or null when it can. Iterative (no recursion, so a
 * 100k-deep value cannot overflow the stack) and quick for primitives. Functions and symbols
 * are fine (JSON drops them); what throws or explodes in JSON.stringify is not. Memory grows
 * with the depth, not the size: a frame walks its children one at a time (a manifest's
 * million symbols are one frame, not a million). Never throws: a value that throws when it is
 * read (a module's output with a getter that throws) is a problem of its own, `unreadable`.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, options: JsonProblemOptions = {}): JsonProblem | null {
  for (const problem of jsonProblems(value, maxDepth, options)) return problem;
  return null;
}

/**
 * Every reason `value` cannot be stored as JSON, one at a time (a manifest reports them all).
 * A value with a problem is not walked into; the walk goes on with the next one. A value that
 * throws when read ends the walk: what else it holds cannot be told.
 */
export function* jsonProblems(value: unknown, maxDepth = MAX_JSON_DEPTH, options: JsonProblemOptions = {}): Generator<JsonProblem> {
  const reading: Reading = { frame: null, key: null };
  try {
    yield* walk(value, maxDepth, options, reading);
  } catch (err) {
    yield problem('unreadable', reading.frame, reading.key, maxDepth, serializeError(err).message);
  }
}

function* walk(value: unknown, maxDepth: number, options: JsonProblemOptions, reading: Reading): Generator<JsonProblem> {
  const scalar = scalarProblem(value, options);
  if (scalar !== null) {
    yield problem(scalar, null, null, maxDepth);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const stack: Frame[] = [];
  let top = 0;
  frameAt(stack, top, value, null, null, 1, false);
  while (top >= 0) {
    const frame = stack[top];
    if (frame.entered) {
      // Children are visited last first, as the first version pushed them all and popped them.
      const key = nextObjectChild(frame, reading);
      if (key === null) {
        top--;
      } else {
        const child = (frame.value as Record<string, object>)[key];
        frameAt(stack, ++top, child, frame, key, frame.depth + 1, false);
      }
      continue;
    }
    frame.entered = true;
    reading.frame = frame;
    reading.key = null;
    const reason = frameProblem(stack, top, frame, maxDepth, options);
    if (reason !== null) {
      // Reported where it is, and not walked into: on with its next sibling.
      yield problem(reason, frame, null, maxDepth);
      top--;
      continue;
    }
    // toJSON (a Date, a Buffer) decides what is written; its result is checked in its place.
    const toJson = frame.fromToJson ? undefined : (frame.value as { toJSON?: unknown }).toJSON;
    const shown = typeof toJson === 'function' ? safeToJson(frame.value) : frame.value;
    if (shown === NOT_JSON || typeof shown === 'bigint') {
      yield problem(shown === NOT_JSON ? 'not-json' : 'bigint', frame, null, maxDepth);
      top--;
      continue;
    }
    if (shown !== frame.value) {
      // Its result stands in for it: same place, same key; nothing more to walk here.
      frame.next = -1;
      if (shown !== null && typeof shown === 'object') frameAt(stack, ++top, shown, frame.parent, frame.key, frame.depth, true);
      continue;
    }
    // Scalars first, in order, then the nested values (see nextObjectChild).
    if (Array.isArray(shown)) {
      for (let i = 0; i < shown.length; i++) {
        reading.key = i;
        const reason = scalarProblem(shown[i], options);
        if (reason !== null) yield problem(reason, frame, i, maxDepth);
      }
      frame.next = shown.length - 1;
    } else {
      const keys = Object.keys(shown);
      for (const key of keys) {
        reading.key = key;
        // A key is sent as text too; its value is not looked at further (one problem a place).
        if (!key.isWellFormed()) {
          yield problem('lone-surrogate', frame, key, maxDepth);
          continue;
        }
        if (options.noProtoKeys && key === '__proto__') {
          yield problem('proto-key', frame, key, maxDepth);
          continue;
        }
        const reason = scalarProblem((shown as Record<string, unknown>)[key], options);
        if (reason !== null) yield problem(reason, frame, key, maxDepth);
      }
      frame.keys = keys;
      frame.next = keys.length - 1;
    }
  }
}

/** What is wrong with the frame's value itself, before its toJSON or its children are looked at. */
function frameProblem(stack: readonly Frame[], top: number, frame: Frame, maxDepth: number, options: JsonProblemOptions): ProblemKind | null {
  if (frame.depth > maxDepth) return 'depth';
  if (options.plainData && !isPlain(frame.value)) return 'not-plain';
  if (isBelow(stack, top, frame.value)) return 'cycle';
  return null;
}

/**
 * Whether `value` is on the path to the frame at `top` (a cycle). A scan of at most
 * MAX_JSON_DEPTH frames, not a Set: adding and deleting a million objects in a Set left
 * ~110 MB of the Set's discarded tables to the collector, measured.
 */
function isBelow(stack: readonly Frame[], top: number, value: object): boolean {
  for (let i = 0; i < top; i++) if (stack[i].value === value) return true;
  return false;
}

/** The key of the frame's next child that is an object (walking down from `next`), or null when none is left. */
function nextObjectChild(frame: Frame, reading: Reading): string | number | null {
  const container = frame.value as Record<string, unknown>;
  reading.frame = frame;
  while (frame.next >= 0) {
    const at = frame.next--;
    const key = frame.keys === null ? at : frame.keys[at];
    reading.key = key;
    const child = container[key];
    if (child !== null && typeof child === 'object') return key;
  }
  return null;
}

/** The problem kinds; a non-finite number is reported as 'not-json'. */
type ProblemKind = JsonProblemReason | 'non-finite';

function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A path for a message: whole when short; a 256-level one keeps its start and end. */
function shownPath(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 40)}…${path.slice(-60)}`;
}

function scalarProblem(value: unknown, options: JsonProblemOptions): ProblemKind | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : 'lone-surrogate';
  if (typeof value === 'bigint') return 'bigint';
  if (options.finiteNumbers && typeof value === 'number' && !Number.isFinite(value)) return 'non-finite';
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

/** The problem at `frame` (or at its child `childKey`), with its path; `detail`: what reading it threw. */
function problem(kind: ProblemKind, frame: Frame | null, childKey: string | number | null, maxDepth: number, detail = ''): JsonProblem {
  const segments: (string | number)[] = childKey === null ? [] : [childKey];
  for (let at = frame; at !== null && at.key !== null; at = at.parent) segments.push(at.key);
  segments.reverse();
  let path = '$';
  for (const segment of segments) path += typeof segment === 'number' ? `[${segment}]` : `.${segment}`;
  // Shown with invisible characters (and a key's half character) escaped: a message is UTF-8 text too.
  const at = visibleText(shownPath(path));
  const message = {
    bigint: `a BigInt at ${at}, which JSON cannot hold (convert it to a string or a number)`,
    cycle: `a reference cycle at ${at} (an object that contains itself)`,
    depth: `nesting deeper than ${maxDepth} levels at ${at}`,
    'not-json': `a value at ${at} whose toJSON() throws`,
    unreadable: `a value at ${at} that could not be read (reading it threw: ${detail})`,
    'non-finite': `a number at ${at} that JSON cannot hold (NaN or Infinity would be stored as null)`,
    'lone-surrogate': `a lone UTF-16 surrogate at ${at} (half of a character written as two UTF-16 units, such as an emoji), which UTF-8 text cannot hold: backends and workers read UTF-8; write the whole character, or remove the half`,
    'proto-key': `a key named __proto__ at ${at}, which JavaScript takes for the object's prototype; rename it`,
    'not-plain': `a value at ${at} that is not plain data (a YAML !!set, !!omap, !!binary or !!timestamp value?); write it as a list, a mapping, a string or a number`,
  }[kind];
  return { reason: kind === 'non-finite' ? 'not-json' : kind, path, segments, message };
}
