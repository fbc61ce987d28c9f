import { describe, expect, test } from 'bun:test';
import { errorCode, serializeError, storedError } from '../src/errors.ts';

describe('serializeError', () => {
  test('an Error keeps its name, code, message and stack', () => {
    const err = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    expect(serializeError(err)).toMatchObject({ name: 'TypeError', code: 'E_BAD', message: 'bad', stack: expect.any(String) });
  });

  test('an Error whose code is not a string: a number kept as its digits, anything else UNKNOWN', () => {
    const withCode = (code: unknown) => serializeError(Object.assign(new Error('m'), { code })).code;
    expect([withCode(7), withCode(7n), withCode(undefined), withCode({ a: 1 }), withCode(''), withCode(Number.NaN), withCode(true)]).toEqual([
      '7', '7', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN',
    ]);
    expect(errorCode('E_MINE')).toBe('E_MINE');
  });

  test('any other thrown value becomes a message, and never throws itself', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(serializeError('plain text')).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'plain text' });
    expect(serializeError({ why: 1 })).toEqual({ name: 'Error', code: 'UNKNOWN', message: '{"why":1}' });
    expect(serializeError(10n)).toEqual({ name: 'Error', code: 'UNKNOWN', message: '10' });
    expect(serializeError(cycle)).toEqual({ name: 'Error', code: 'UNKNOWN', message: '[object Object]' });
    expect(serializeError(undefined)).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'undefined' });
    expect(serializeError(Object.create(null))).toEqual({ name: 'Error', code: 'UNKNOWN', message: '{}' });
    const noToString = Object.create(null) as Record<string, unknown>;
    noToString.self = noToString;
    expect(serializeError(noToString)).toEqual({ name: 'Error', code: 'UNKNOWN', message: '[object Object]' });
  });

  test('a thrown value that throws when read (a getter, a Proxy) becomes a message, never a throw (it took a worker thread down)', () => {
    const getter = new Error('x');
    Object.defineProperty(getter, 'message', { get: () => { throw new Error('getter boom'); } });
    expect(serializeError(getter)).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'a thrown value that could not be read (getter boom)' });
    const trap = new Proxy({}, { getPrototypeOf: () => { throw new Error('proto trap'); }, get: () => { throw new Error('get trap'); } });
    expect(() => serializeError(trap)).not.toThrow();
    expect(serializeError(trap).message).toStartWith('a thrown value that could not be read');
  });
});

describe('storedError', () => {
  test('an error kept by an older swarm (no code) reads with UNKNOWN; what is not an object is no error', () => {
    expect(storedError({ name: 'Error', message: 'old' })).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'old' });
    expect(storedError({ name: 'E', code: 'E_X', message: 'm', stack: 's' })).toEqual({ name: 'E', code: 'E_X', message: 'm', stack: 's' });
    expect(storedError({ code: 3 })).toEqual({ name: 'Error', code: '3', message: '' });
    expect(storedError(null)).toBeNull();
    expect(storedError('text')).toBeNull();
  });
});
