import { SwarmError } from './errors.ts';

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

/** Throws StateCallError when `key` cannot name a row of the state table. */
export function checkStateKey(call: string, key: unknown): asserts key is string {
  if (typeof key === 'string' && key !== '') return;
  throw new StateCallError(call, `its key was ${described(key)}`);
}

function described(key: unknown): string {
  if (key === '') return 'an empty string';
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
