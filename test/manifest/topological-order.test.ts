import { describe, expect, test } from 'bun:test';
import { ManifestError } from '../../src/errors.ts';
import { topologicalOrder, type Manifest, type SymbolSpec } from '../../src/manifest/index.ts';

const spec = (name: string, dependencies: string[] = [], priority = 0): SymbolSpec => ({
  name,
  type: 'action',
  context: 'generic',
  dispatch: 'internal',
  parameters: {},
  dependencies,
  priority,
  timeout: 30_000,
  retries: 3,
});

const manifest = (...symbols: SymbolSpec[]): Manifest => ({
  name: 'm',
  metadata: {},
  rollback_policy: 'symbol',
  symbols,
});

describe('topologicalOrder', () => {
  test('dependencies come first; otherwise manifest order is kept', () => {
    const order = topologicalOrder(
      manifest(spec('d', ['b']), spec('a'), spec('b', ['a']), spec('c'), spec('e', ['d', 'c'])),
    );
    expect(order).toEqual(['a', 'b', 'd', 'c', 'e']);
  });

  test('without byPriority, priority does not change the order', () => {
    expect(topologicalOrder(manifest(spec('low', [], -5), spec('high', [], 10)))).toEqual(['low', 'high']);
  });

  test('byPriority: the order the scheduler runs it in, one at a time: of the symbols whose dependencies are done, the highest priority first, ties in manifest order', () => {
    const symbols = [
      spec('root'),
      spec('low', ['root'], -(2 ** 53) + 1),
      spec('mid', ['root'], 0),
      spec('high', ['root'], 2 ** 53 - 1),
      spec('high2', ['root'], 2 ** 53 - 2),
      spec('neg1', ['root'], -1),
      spec('tie', ['root'], 0),
    ];
    expect(topologicalOrder(manifest(...symbols), { byPriority: true })).toEqual(['root', 'high', 'high2', 'mid', 'tie', 'neg1', 'low']);
    // A low-priority symbol that is ready runs before a high one that waits on it.
    expect(topologicalOrder(manifest(spec('b', ['a'], 9), spec('a', [], -9), spec('c', [], 0)), { byPriority: true })).toEqual(['c', 'a', 'b']);
    expect(topologicalOrder(manifest(...symbols))).toEqual(symbols.map((symbol) => symbol.name));
  });

  test('independent symbols stay in manifest order', () => {
    const names = Array.from({ length: 50 }, (_, i) => `s${i}`);
    expect(topologicalOrder(manifest(...names.map((name) => spec(name))))).toEqual(names);
  });

  test('a long chain declared backwards', () => {
    const count = 20_000;
    const symbols = Array.from({ length: count }, (_, i) => spec(`s${i}`, i === count - 1 ? [] : [`s${i + 1}`]));
    const order = topologicalOrder(manifest(...symbols));
    expect(order[0]).toBe(`s${count - 1}`);
    expect(order.at(-1)).toBe('s0');
  });

  test('a cycle throws a ManifestError with the path', () => {
    try {
      topologicalOrder(manifest(spec('a', ['b']), spec('b', ['a']), spec('c')));
      throw new Error('expected a ManifestError');
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).issues[0].message).toBe('dependency cycle: a -> b -> a');
    }
  });

  test('an unknown dependency throws a ManifestError', () => {
    expect(() => topologicalOrder(manifest(spec('a', ['ghost'])))).toThrow(ManifestError);
  });
});
