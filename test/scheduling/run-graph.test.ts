import { describe, expect, test } from 'bun:test';
import { RunGraph, type GraphSymbol } from '../../src/scheduling/run-graph.ts';

/** Builds a graph from `name: dep dep` lines, in order; returns it with name lookups. */
function graphOf(spec: Record<string, string[]>) {
  const symbols: GraphSymbol[] = Object.entries(spec).map(([name, dependencies]) => ({ name, dependencies }));
  const graph = new RunGraph(symbols);
  const names = (indexes: number[]) => indexes.map((i) => graph.names.nameOf(i));
  const at = (name: string) => graph.index(name);
  return { graph, names, at };
}

/**   a
 *   / \
 *  b   c
 *   \ /
 *    d — e
 */
const diamond = () => graphOf({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'], e: ['d'] });

describe('RunGraph structure', () => {
  test('indexes follow manifest order', () => {
    const { graph } = diamond();
    expect(graph.size).toBe(5);
    expect(Array.from({ length: graph.names.length }, (_, i) => graph.names.nameOf(i))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(graph.index('d')).toBe(3);
  });

  test('the name index can be let go, and is built again when a name is asked for', () => {
    const { graph } = diamond();
    graph.forgetNameIndex();
    expect(graph.index('e')).toBe(4);
    expect(() => graph.index('zz')).toThrow('unknown task "zz"');
  });

  test("a task's dependency names, in a new list each time", () => {
    const { graph, at } = diamond();
    expect(graph.dependencyNames(at('d'))).toEqual(['b', 'c']);
    expect(graph.dependencyNames(at('a'))).toEqual([]);
    const first = graph.dependencyNames(at('d'));
    first.push('x');
    expect(graph.dependencyNames(at('d'))).toEqual(['b', 'c']);
  });

  test('an unknown name is refused with its name in the message', () => {
    const { graph } = diamond();
    expect(() => graph.index('zzz')).toThrow('unknown task "zzz"');
  });

  test('a dependency on an unknown task is refused at construction', () => {
    expect(() => graphOf({ a: ['ghost'] })).toThrow('unknown task "ghost"');
  });

  test('dependencies and dependents are both known', () => {
    const { graph, names, at } = diamond();
    expect(names([...graph.dependenciesOf(at('d'))])).toEqual(['b', 'c']);
    expect(names([...graph.dependentsOf(at('a'))])).toEqual(['b', 'c']);
  });

  test('dependencies declared later in the manifest, and many dependents, keep manifest order', () => {
    const { graph, names, at } = graphOf({ late: ['x', 'y'], m1: ['y'], m2: ['y'], x: [], y: [], m3: ['y', 'x'] });
    expect(names([...graph.dependenciesOf(at('late'))])).toEqual(['x', 'y']);
    expect(names([...graph.dependentsOf(at('y'))])).toEqual(['late', 'm1', 'm2', 'm3']);
    expect(names([...graph.dependentsOf(at('x'))])).toEqual(['late', 'm3']);
    expect(graph.dependentCount(at('y'))).toBe(4);
    expect(graph.dependentCount(at('late'))).toBe(0);
    expect(names(graph.takeRunnable())).toEqual(['x', 'y']);
    expect(names(graph.succeeded(at('y')))).toEqual(['m1', 'm2']);
    expect(names(graph.succeeded(at('x')))).toEqual(['late', 'm3']);
  });

  test('a dependency listed twice counts once', () => {
    const { graph, names, at } = graphOf({ a: [], b: ['a', 'a'] });
    graph.takeRunnable();
    expect(names(graph.succeeded(at('a')))).toEqual(['b']);
  });
});

describe('RunGraph.takeRunnable', () => {
  test('returns the tasks without dependencies, in manifest order', () => {
    const { graph, names } = graphOf({ x: [], y: ['x'], z: [] });
    expect(names(graph.takeRunnable())).toEqual(['x', 'z']);
  });

  test('marks what it returns decided, so a second call returns nothing', () => {
    const { graph, at } = diamond();
    graph.takeRunnable();
    expect(graph.isDecided(at('a'))).toBe(true);
    expect(graph.isDecided(at('b'))).toBe(false);
    expect(graph.takeRunnable()).toEqual([]);
  });

  test('skips tasks marked decided (a resumed run)', () => {
    const { graph, names, at } = graphOf({ x: [], y: [] });
    graph.markDecided(at('x'));
    expect(names(graph.takeRunnable())).toEqual(['y']);
  });
});

describe('RunGraph.succeeded', () => {
  test('releases a dependent whose only dependency succeeded', () => {
    const { graph, names, at } = diamond();
    graph.takeRunnable();
    expect(names(graph.succeeded(at('a')))).toEqual(['b', 'c']);
  });

  test('does not release a dependent while another dependency is outstanding', () => {
    const { graph, at } = diamond();
    graph.takeRunnable();
    graph.succeeded(at('a'));
    expect(graph.succeeded(at('b'))).toEqual([]);
    expect(graph.isDecided(at('d'))).toBe(false);
  });

  test('releases the join of a diamond once its last dependency succeeded', () => {
    const { graph, names, at } = diamond();
    graph.takeRunnable();
    graph.succeeded(at('a'));
    graph.succeeded(at('b'));
    expect(names(graph.succeeded(at('c')))).toEqual(['d']);
    expect(graph.isDecided(at('d'))).toBe(true);
  });

  test('never releases a task that was already decided', () => {
    const { graph, at } = diamond();
    graph.takeRunnable();
    graph.markDecided(at('b'));
    graph.markDecided(at('c'));
    expect(graph.succeeded(at('a'))).toEqual([]);
  });

  test('a released task is not returned by takeRunnable again', () => {
    const { graph, at } = diamond();
    graph.takeRunnable();
    graph.succeeded(at('a'));
    expect(graph.takeRunnable()).toEqual([]);
  });
});

describe('RunGraph.blocked', () => {
  test('returns the whole downstream of a failed task, breadth first', () => {
    const { graph, names, at } = diamond();
    graph.takeRunnable();
    expect(names(graph.blocked(at('a')))).toEqual(['b', 'c', 'd', 'e']);
  });

  test('returns a task reachable by two paths only once', () => {
    const { graph, at } = diamond();
    graph.takeRunnable();
    const blocked = graph.blocked(at('a'));
    expect(new Set(blocked).size).toBe(blocked.length);
  });

  test('does not repeat tasks an earlier block already decided', () => {
    const { graph, names, at } = diamond();
    graph.takeRunnable();
    graph.succeeded(at('a'));
    expect(names(graph.blocked(at('b')))).toEqual(['d', 'e']);
    expect(graph.blocked(at('c'))).toEqual([]);
  });

  test('leaves out dependents that already run, and what lies behind them', () => {
    // c was released (it only needs a); b failing blocks d but not c.
    const { graph, names, at } = graphOf({ a: [], b: [], c: ['a'], d: ['b', 'c'], f: ['c'] });
    graph.takeRunnable();
    graph.succeeded(at('a'));
    expect(names(graph.blocked(at('b')))).toEqual(['d']);
    expect(graph.isDecided(at('f'))).toBe(false);
  });

  test('a task without dependents blocks nothing', () => {
    const { graph, at } = diamond();
    expect(graph.blocked(at('e'))).toEqual([]);
  });

  test('a blocked task is never released later', () => {
    const { graph, at } = diamond();
    graph.takeRunnable();
    graph.succeeded(at('a'));
    graph.blocked(at('b'));
    expect(graph.succeeded(at('c'))).toEqual([]);
  });
});

describe('RunGraph.takeUndecided', () => {
  test('returns every task not yet decided, in manifest order', () => {
    const { graph, names, at } = diamond();
    graph.takeRunnable();
    graph.succeeded(at('a'));
    expect(names(graph.takeUndecided())).toEqual(['d', 'e']);
  });

  test('marks them decided, so nothing is returned twice', () => {
    const { graph } = diamond();
    graph.takeUndecided();
    expect(graph.takeUndecided()).toEqual([]);
    expect(graph.takeRunnable()).toEqual([]);
  });
});
