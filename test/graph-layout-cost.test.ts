import { expect, test } from 'bun:test';
import type { Dag } from '../src/graph/dag.ts';
import { layoutCost } from '../src/graph/layout-cost.ts';

/** A DAG from `[symbol, ...its dependencies]` lists. */
function dag(symbols: string[][]): Dag {
  return {
    name: 'g',
    nodes: symbols.map(([id]) => ({ id, type: 'action', dispatch: 'internal', priority: 0, rollback: null })),
    edges: symbols.flatMap(([id, ...deps]) => deps.map((d) => ({ from: d, to: id }))),
  };
}

test('a chain and a fan-out cost their symbols and dependencies: no dependency crosses a layer', () => {
  expect(layoutCost(dag([['a'], ['b', 'a'], ['c', 'b'], ['d', 'c']]))).toBe(4 + 3);
  expect(layoutCost(dag([['root'], ...Array.from({ length: 10 }, (_, i) => [`s${i}`, 'root'])]))).toBe(11 + 10);
});

test('a dependency from the top of a chain to its end passes through every layer between', () => {
  // a → b → c → d, and d also depends on a: that edge passes through b's and c's layers.
  expect(layoutCost(dag([['a'], ['b', 'a'], ['c', 'b'], ['d', 'c', 'a']]))).toBe(4 + 4 + 2);
  // Every step of a chain of n also depending on the first: 1 + 2 + ... + (n - 2) layers.
  const n = 200;
  const skip = [['c0'], ['c1', 'c0'], ...Array.from({ length: n - 2 }, (_, i) => [`c${i + 2}`, `c${i + 1}`, 'c0'])];
  expect(layoutCost(dag(skip))).toBe(n + (2 * n - 3) + ((n - 2) * (n - 1)) / 2);
});

test('a symbol with no dependencies is laid out as late as its dependents allow, as dot ranks it', () => {
  // x only feeds d, at the end of a chain: placed just above d, its edge crosses no layer.
  expect(layoutCost(dag([['a'], ['b', 'a'], ['c', 'b'], ['x'], ['d', 'c', 'x']]))).toBe(5 + 4);
});
