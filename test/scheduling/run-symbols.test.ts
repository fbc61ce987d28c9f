import { describe, expect, test } from 'bun:test';
import { PACKED_FROM, PackedSymbols, runSymbols, survivesJson } from '../../actors/run-symbols.ts';
import { validateManifestData } from '../../src/manifest/index.ts';
import type { SymbolSpec } from '../../src/manifest/types.ts';
import { RunGraph } from '../../src/scheduling/run-graph.ts';
import { seededRandom as seeded } from '../support/seeded-random.ts';

/** Validated symbols of every shape a packed run must give back: varied fields, rollbacks, dependencies. */
function variedSymbols(count: number, seed: number): SymbolSpec[] {
  const random = seeded(seed);
  const pick = <T,>(list: T[]): T => list[Math.floor(random() * list.length)];
  const raw = Array.from({ length: count }, (_, i) => {
    const symbol: Record<string, unknown> = {
      name: `s${i}`,
      type: pick(['action', 'filter', 'query', 'transform']),
      parameters: pick([
        { operation: 'noop' },
        { operation: 'echo', message: `m${i}`, nested: { list: [i, 'x', null, true], deep: { n: -i / 7 } } },
        { operation: 'noop', 'odd key "quoted"': 'ünïcode ✓', empty: {} },
      ]),
      priority: Math.floor(random() * 5) - 2,
      retries: Math.floor(random() * 4),
      timeout: 1_000 + Math.floor(random() * 10_000),
    };
    if (random() < 0.3) symbol.context = pick(['wordpress', 'generic']);
    if (i > 0 && random() < 0.5) symbol.dependencies = [`s${Math.floor(random() * i)}`];
    if (random() < 0.2) symbol.rollback = { name: `undo-s${i}`, type: 'action', parameters: { operation: 'echo', message: `undo ${i}` } };
    return symbol;
  });
  return validateManifestData({ name: 'varied', symbols: raw, rollback_policy: 'saga' }).symbols;
}

function packed(symbols: SymbolSpec[]) {
  const graph = new RunGraph(symbols);
  return new PackedSymbols(symbols, graph.names, (i) => graph.dependencyNames(i));
}

describe('a run\'s symbols, packed', () => {
  test('every symbol comes back as deployed, in any order of asking, past the ones kept decoded', () => {
    const symbols = variedSymbols(3_000, 7);
    const run = packed(symbols);
    expect(run.length).toBe(symbols.length);
    const random = seeded(11);
    for (let k = 0; k < 6_000; k++) {
      const i = k < 3_000 ? k : Math.floor(random() * symbols.length);
      expect(run.at(i)).toStrictEqual(symbols[i]);
      expect(run.nameOf(i)).toBe(symbols[i].name);
    }
  });

  test('symbols with the same fields share one text, but never their objects', () => {
    const symbols = validateManifestData({
      name: 'template',
      symbols: Array.from({ length: 1_000 }, (_, i) => ({ name: `t${i}`, type: 'action', parameters: { operation: 'echo', message: 'same' } })),
    }).symbols;
    const run = packed(symbols);
    const a = run.at(0);
    const b = run.at(999);
    expect(a.parameters).toEqual(b.parameters);
    expect(a.parameters).not.toBe(b.parameters);
    (a.parameters as Record<string, unknown>).message = 'changed';
    expect(run.at(999).parameters).toEqual({ operation: 'echo', message: 'same' });
  });

  test('a symbol JSON would change is kept as it is, so a packed run runs what an unpacked one would', () => {
    const odd: Record<string, unknown>[] = [
      { operation: 'echo', x: -0 },
      { operation: 'echo', list: [1, undefined, 3] },
      // eslint-disable-next-line no-sparse-arrays
      { operation: 'echo', list: [1, , 3] },
      { operation: 'echo', gone: undefined },
      { operation: 'echo', fn: () => 1 },
      { operation: 'echo', toJSON: () => 5 },
    ];
    const symbols = validateManifestData({
      name: 'odd',
      symbols: [
        ...odd.map((parameters, i) => ({ name: `odd${i}`, type: 'action', parameters })),
        { name: 'plain', type: 'action', parameters: { operation: 'echo', x: 0, list: [1, null, 3] } },
      ],
    }).symbols;
    const run = packed(symbols);
    for (let i = 0; i < odd.length; i++) expect(run.at(i)).toBe(symbols[i]);
    expect(Object.is(run.at(0).parameters.x, -0)).toBe(true);
    // A plain one is packed: equal, not the same object.
    expect(run.at(odd.length)).toStrictEqual(symbols[odd.length]);
    expect(run.at(odd.length)).not.toBe(symbols[odd.length]);
  });

  test('survivesJson: what JSON gives back unchanged', () => {
    expect(survivesJson({ a: [1, 'x', null, true, { b: 0 }] })).toBe(true);
    expect(survivesJson({ a: [{ b: -0 }] })).toBe(false);
    expect(survivesJson({ a: { b: undefined } })).toBe(false);
    expect(survivesJson([Symbol('s')])).toBe(false);
    expect(survivesJson({ n: 10n })).toBe(false);
    expect(survivesJson(new Array(2))).toBe(false);
    expect(survivesJson({ toJSON: () => 1 })).toBe(false);
  });

  test('an index outside the run is refused', () => {
    const run = packed(variedSymbols(10, 1));
    expect(() => run.at(10)).toThrow(RangeError);
    expect(() => run.at(-1)).toThrow(RangeError);
    expect(() => run.at(1.5)).toThrow(RangeError);
    const small = variedSymbols(10, 1);
    const graph = new RunGraph(small);
    const unpacked = runSymbols(small, graph.names, (i) => graph.dependencyNames(i));
    for (const i of [10, -1, 1.5]) {
      expect(() => unpacked.at(i)).toThrow(RangeError);
      expect(() => unpacked.nameOf(i)).toThrow(RangeError);
    }
  });

  test(`a run packs from ${PACKED_FROM} symbols on; a smaller one is read from the manifest itself`, () => {
    const small = variedSymbols(20, 3);
    const graph = new RunGraph(small);
    const run = runSymbols(small, graph.names, (i) => graph.dependencyNames(i));
    expect(run).not.toBeInstanceOf(PackedSymbols);
    expect(run.at(5)).toBe(small[5]);
    const big = validateManifestData({
      name: 'big',
      symbols: Array.from({ length: PACKED_FROM }, (_, i) => ({ name: `b${i}`, type: 'action', parameters: { operation: 'noop' } })),
    }).symbols;
    const bigGraph = new RunGraph(big);
    expect(runSymbols(big, bigGraph.names, (i) => bigGraph.dependencyNames(i))).toBeInstanceOf(PackedSymbols);
  });
});
