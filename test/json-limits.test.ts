import { describe, expect, test } from 'bun:test';
import { MAX_JSON_DEPTH, jsonProblem, jsonProblems } from '../src/json-limits.ts';

/** `levels` arrays and objects, one inside the other. */
function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { v: value };
  return value;
}

describe('jsonProblem: what JSON can store', () => {
  test('plain JSON, shared (not cyclic) references, Dates and functions are fine', () => {
    const shared = { a: 1 };
    for (const value of [null, 1, 'x', true, undefined, [], {}, { a: [1, { b: 'c' }] }, [shared, shared], { at: new Date(0), f: () => 1 }]) {
      expect(jsonProblem(value)).toBeNull();
    }
  });

  test('a BigInt, at the top or inside, or returned by toJSON', () => {
    expect(jsonProblem(10n)).toMatchObject({ reason: 'bigint', path: '$' });
    expect(jsonProblem({ a: [1, 2n] })).toMatchObject({ reason: 'bigint', path: '$.a[1]' });
    expect(jsonProblem({ t: { toJSON: () => 3n } })).toMatchObject({ reason: 'bigint', path: '$.t' });
  });

  test('a cycle, with where it closes', () => {
    const loop: Record<string, unknown> = { list: [] };
    (loop.list as unknown[]).push({ back: loop });
    expect(jsonProblem(loop)).toMatchObject({ reason: 'cycle', path: '$.list[0].back' });
  });

  test('nesting up to the limit passes; one level more fails; 1,000,000 levels do not overflow the stack', () => {
    expect(jsonProblem(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(jsonProblem(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ reason: 'depth' });
    expect(jsonProblem(nested(1_000_000))?.reason).toBe('depth');
    expect(jsonProblem(nested(10), 5)?.message).toContain('deeper than 5 levels');
  });

  test('a toJSON that throws; a toJSON result is written as it is (its own toJSON is not called)', () => {
    expect(jsonProblem({ x: { toJSON: () => { throw new Error('no'); } } })).toMatchObject({ reason: 'not-json', path: '$.x' });
    const inner = { toJSON: () => { throw new Error('never called by JSON.stringify'); } };
    expect(() => JSON.stringify({ toJSON: () => inner })).not.toThrow();
    expect(jsonProblem({ toJSON: () => inner })).toBeNull();
  });

  test('a value that throws when read (a getter, a Proxy trap, a revoked Proxy) is unreadable, with where and why; never a throw', () => {
    const boom = () => {
      throw new Error('boom');
    };
    expect(jsonProblem({ get x() { return boom(); } })).toMatchObject({ reason: 'unreadable', path: '$.x' });
    expect(jsonProblem({ a: [{ get toJSON() { return boom(); } }] })).toMatchObject({ reason: 'unreadable', path: '$.a[0]' });
    expect(jsonProblem({ p: new Proxy({}, { ownKeys: boom }) })).toMatchObject({ reason: 'unreadable', path: '$.p' });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(jsonProblem([proxy])).toMatchObject({ reason: 'unreadable', path: '$[0]' });
    expect(jsonProblem({ get x() { return boom(); } })!.message).toBe('a value at $.x that could not be read (reading it threw: boom)');
  });

  test('segments give the same place as keys and indexes, for pointing into a source file', () => {
    expect(jsonProblem({ a: [1, { b: 2n }] })).toMatchObject({ path: '$.a[1].b', segments: ['a', 1, 'b'] });
    expect(jsonProblem(5n)).toMatchObject({ path: '$', segments: [] });
    expect(jsonProblem(nested(MAX_JSON_DEPTH + 1))?.segments).toHaveLength(MAX_JSON_DEPTH);
  });

  test('NaN and infinities pass by default (JSON writes null) and are refused with finiteNumbers', () => {
    expect(jsonProblem({ a: NaN, b: [Infinity] })).toBeNull();
    expect(jsonProblem({ a: 1, b: [2, -Infinity] }, MAX_JSON_DEPTH, { finiteNumbers: true })).toMatchObject({ reason: 'not-json', segments: ['b', 1] });
    expect(jsonProblem(NaN, MAX_JSON_DEPTH, { finiteNumbers: true })?.message).toContain('NaN or Infinity');
  });

  test('which problem is found first: its own scalars before what is nested, nested values last first', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(jsonProblem({ a: { b: 1n }, c: 2n })).toMatchObject({ path: '$.c' });
    expect(jsonProblem([{ x: 1n }, { y: 2n }])).toMatchObject({ path: '$[1].y' });
    expect(jsonProblem({ first: loop, last: { deep: [3n] } })).toMatchObject({ reason: 'bigint', path: '$.last.deep[0]' });
  });

  test('jsonProblems: every problem, each value with one not walked into, the walk going on after it', () => {
    const loop: Record<string, unknown> = {};
    loop.self = { deeper: loop, n: 1n };
    const value = { a: NaN, b: [Infinity, new Set([1]), { c: -Infinity }], d: loop, e: 2n };
    expect(Array.from(jsonProblems(value, MAX_JSON_DEPTH, { finiteNumbers: true, plainData: true }), (problem) => `${problem.reason} ${problem.path}`)).toEqual([
      'not-json $.a',
      'bigint $.e',
      'bigint $.d.self.n',
      'cycle $.d.self.deeper',
      'not-json $.b[0]',
      'not-json $.b[2].c',
      'not-plain $.b[1]',
    ]);
    // A value that throws when read ends the walk.
    const boom = () => {
      throw new Error('boom');
    };
    expect(Array.from(jsonProblems({ a: 1n, get x() { return boom(); }, z: 2n }), (problem) => problem.reason)).toEqual(['bigint', 'unreadable']);
  });

  test('a cycle through a toJSON result, and shared values beside each other, as before', () => {
    const outer: Record<string, unknown> = {};
    outer.x = { toJSON: () => ({ back: outer }) };
    expect(jsonProblem(outer)).toMatchObject({ reason: 'cycle', path: '$.x.back' });
    const shared = [{ n: 1 }];
    expect(jsonProblem({ a: shared, b: [shared, shared], c: { d: shared } })).toBeNull();
  });

  test('a problem deep in a big list is found with its place', () => {
    const list: unknown[] = Array.from({ length: 300_000 }, (_, i) => ({ name: `s${i}`, parameters: { n: i } }));
    (list[123_456] as { parameters: { n: unknown } }).parameters.n = [1, { v: 5n }];
    expect(jsonProblem({ symbols: list })).toMatchObject({ reason: 'bigint', segments: ['symbols', 123_456, 'parameters', 'n', 1, 'v'] });
    const loop: Record<string, unknown> = { name: 'x' };
    loop.parameters = { again: loop };
    list[200_000] = loop;
    expect(jsonProblem({ symbols: list })).toMatchObject({ reason: 'cycle', path: '$.symbols[200000].parameters.again' });
  });

  test('wide values: a million keys, and one large array, are walked without trouble', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) wide[`k${i}`] = i;
    expect(jsonProblem({ wide, list: Array.from({ length: 1_000_000 }, (_, i) => ({ i })) })).toBeNull();
  });

  test('a lone UTF-16 surrogate, in a string or a key, is refused with its place (frames are UTF-8, which cannot hold one); a whole pair is fine', () => {
    expect(jsonProblem('\ud800')).toMatchObject({ reason: 'lone-surrogate', path: '$' });
    expect(jsonProblem({ a: ['ok', 'x\udc00y'] })).toMatchObject({ reason: 'lone-surrogate', path: '$.a[1]', segments: ['a', 1] });
    const inKey = jsonProblem({ p: { ['k\ud83d']: 1 } })!;
    expect(inKey).toMatchObject({ reason: 'lone-surrogate', segments: ['p', 'k\ud83d'] });
    // The message names the place with the half character escaped: it is UTF-8 text itself.
    expect(inKey.message).toContain('$.p.k\\ud83d');
    expect(inKey.message.isWellFormed()).toBe(true);
    expect(jsonProblem({ emoji: '\ud83d\ude00', ['\ud83d\ude00']: 'é' })).toBeNull();
  });
});
