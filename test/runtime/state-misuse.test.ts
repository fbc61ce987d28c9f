/**
 * A module that calls `state.set` or `state.get` the wrong way (an object instead of a key and
 * a value, no key, an empty key) fails with a usage error that names the call's signature,
 * STATE_CALL_INVALID, never a raw SQL error; nothing is written.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { makeHarness, manifest, stopHarnesses, sym, taskOf, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

const misuse = (call: string) =>
  sym(call, { retries: 0, parameters: { operation: 'module', module: './state-misuse.ts', call } });

describe('state calls made the wrong way', () => {
  test('state.set({a: 1}), no key, an empty or a number key, no value, state.get({a: 1}): STATE_CALL_INVALID naming the signature', async () => {
    const h = makeHarness();
    const calls = {
      'object-only': ['state.set(key, value)', 'its key was an object ({"a":1})'],
      'no-key': ['state.set(key, value)', 'its key was undefined'],
      'empty-key': ['state.set(key, value)', 'its key was an empty string'],
      'number-key': ['state.set(key, value)', 'its key was a number (5)'],
      'no-value': ['state.set(key, value)', 'no value was given'],
      'get-object': ['state.get(key)', 'its key was an object ({"a":1})'],
    };
    const result = await withTimeout(h.run(manifest('misuse', Object.keys(calls).map(misuse))), 20_000, 'the run');
    for (const [call, [signature, problem]] of Object.entries(calls)) {
      const task = taskOf(result, call);
      expect(task.status).toBe('failed');
      expect(task.error).toMatchObject({ name: 'StateCallError', code: 'STATE_CALL_INVALID' });
      expect(task.error!.message).toContain(signature);
      expect(task.error!.message).toContain(problem);
      expect(task.error!.message).not.toMatch(/SQL|constraint/i);
    }
    expect(h.store.stateGet('')).toBeUndefined();
    expect(h.store.stateGet('some-key')).toBeUndefined();
  });
});
