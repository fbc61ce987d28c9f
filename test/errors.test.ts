import { describe, expect, test } from 'bun:test';
import { serializeError } from '../src/errors.ts';

describe('serializeError', () => {
  test('an Error keeps its name, code, message and stack', () => {
    const err = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    expect(serializeError(err)).toMatchObject({ name: 'TypeError', code: 'E_BAD', message: 'bad', stack: expect.any(String) });
  });

  test('any other thrown value becomes a message, and never throws itself', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(serializeError('plain text')).toEqual({ name: 'Error', message: 'plain text' });
    expect(serializeError({ why: 1 })).toEqual({ name: 'Error', message: '{"why":1}' });
    expect(serializeError(10n)).toEqual({ name: 'Error', message: '10' });
    expect(serializeError(cycle)).toEqual({ name: 'Error', message: '[object Object]' });
    expect(serializeError(undefined)).toEqual({ name: 'Error', message: 'undefined' });
    expect(serializeError(Object.create(null))).toEqual({ name: 'Error', message: '{}' });
    const noToString = Object.create(null) as Record<string, unknown>;
    noToString.self = noToString;
    expect(serializeError(noToString)).toEqual({ name: 'Error', message: '[object Object]' });
  });

  test('a thrown value that throws when read (a getter, a Proxy) becomes a message, never a throw (it took a worker thread down)', () => {
    const getter = new Error('x');
    Object.defineProperty(getter, 'message', { get: () => { throw new Error('getter boom'); } });
    expect(serializeError(getter)).toEqual({ name: 'Error', message: 'a thrown value that could not be read (getter boom)' });
    const trap = new Proxy({}, { getPrototypeOf: () => { throw new Error('proto trap'); }, get: () => { throw new Error('get trap'); } });
    expect(() => serializeError(trap)).not.toThrow();
    expect(serializeError(trap).message).toStartWith('a thrown value that could not be read');
  });
});
