import { serializeError, SwarmError } from './errors.ts';
import { jsonProblem } from './json-limits.ts';
import { visibleJson } from './visible-text.ts';

/**
 * A call on the shared `state` table made the wrong way: a key that is not a non-empty string
 * (an object given as the only argument, `state.set({ a: 1 })`, is the usual one), or no value.
 * Refused before the store, where it surfaced as a raw SQL error ("NOT NULL constraint failed")
 * or, worse, wrote a row under a NULL or an empty key.
 */
export class StateCallError extends SwarmError {
  override name = 'StateCallError';
  /** `call` as its caller knows it: `state.set`, `StateManager.get`…; a `.set` also takes a value. */
  constructor(call: string, problem: string) {
    const sets = call.endsWith('.set');
    super(
      'STATE_CALL_INVALID',
      `${call}(${sets ? 'key, value' : 'key'}) takes a key (a non-empty string)${sets ? ' and the value to store' : ''}; ` +
        `${problem}. For example: ${call}('last-deploy'${sets ? ", { at: '2024-05-01' }" : ''}).`,
    );
  }
}

/**
 * A `state.set` value JSON cannot hold (a BigInt, a reference cycle, nesting deeper than 256
 * levels, a toJSON or a getter that throws): refused with the key and where in the value.
 */
export class StateValueError extends SwarmError {
  override name = 'StateValueError';
  constructor(key: string, problem: string) {
    super('STATE_CALL_INVALID', `state.set "${shownKey(key)}": the value cannot be stored as JSON: ${problem}. Store plain JSON data.`);
  }
}

/** Throws StateValueError when JSON cannot hold `value` (a remote worker's frame is checked again by the dispatcher). */
export function checkStateValue(key: string, value: unknown): void {
  const problem = jsonProblem(value);
  if (problem) throw new StateValueError(key, problem.message);
}

/**
 * `value` as the state table stores it, made in the module's thread before it crosses to the
 * host: refused as checkStateValue says, else its JSON round trip. What JSON drops is dropped,
 * as in a task's output: a function, a Symbol or `undefined` property vanishes, one in an array
 * is null, and as the whole value it is stored as null; a Date becomes its string. The thread
 * channel could not carry a function or a Symbol (a DataCloneError, with no key and no path).
 */
export function storableStateValue(key: string, value: unknown): unknown {
  checkStateValue(key, value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    // It read well a moment ago: a getter or a toJSON that throws on its second call.
    throw new StateValueError(key, `a value that could not be read (reading it threw: ${serializeError(err).message})`);
  }
  return text === undefined ? null : JSON.parse(text);
}

function shownKey(key: string): string {
  return key.length > 100 ? `${key.slice(0, 99)}…` : key;
}

/** Throws StateCallError when `key` cannot name a row of the state table. */
export function checkStateKey(call: string, key: unknown): asserts key is string {
  if (typeof key === 'string' && key !== '' && key.isWellFormed()) return;
  throw new StateCallError(call, `its key was ${described(key)}`);
}

function described(key: unknown): string {
  if (key === '') return 'an empty string';
  // The table's keys are UTF-8 text: SQLite would store the half as U+FFFD, another key.
  if (typeof key === 'string') return `a string with a lone UTF-16 surrogate (${visibleJson(key.length > 60 ? key.slice(0, 59) : key)})`;
  if (key === undefined || key === null) return String(key);
  const kind = Array.isArray(key) ? 'an array' : typeof key === 'object' ? 'an object' : `a ${typeof key}`;
  return `${kind} (${preview(key)})`;
}

/** A short look at the key, for the message; never throws (it is a module's value). */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
