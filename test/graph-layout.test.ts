import { describe, expect, test } from 'bun:test';
import { renderGraphviz } from '../src/graph/graphviz.ts';
import { layoutDag, MAX_GRAPHVIZ_NODES } from '../src/graph/layout.ts';
import { MAX_LAYOUT_COST, layoutCost } from '../src/graph/layout-cost.ts';

/** A chain of n steps that each also depend on the first: few symbols, but long edges Graphviz is slow on. */
function longEdges(n: number) {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `s${i}` }));
  const edges: { from: string; to: string }[] = [];
  for (let i = 1; i < n; i++) {
    edges.push({ from: `s${i - 1}`, to: `s${i}` });
    if (i > 1) edges.push({ from: 's0', to: `s${i}` });
  }
  return { nodes, edges };
}

describe('layoutDag (Graphviz)', () => {
  test('every node gets a box inside the drawing; dependents sit below their dependencies; edges join their boxes', async () => {
    const nodes = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
    const edges = [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
    ];
    const layout = (await layoutDag({ nodes, edges }))!;
    const box = (id: string) => layout.nodes.find((n) => n.id === id)!;
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
    }
    expect(box('b').y).toBeGreaterThan(box('a').y);
    expect(box('d').y).toBeGreaterThan(box('c').y);
    expect(layout.edges).toHaveLength(4);
    const ab = layout.edges.find((e) => e.from === 'a' && e.to === 'b')!;
    expect(ab.points.length).toBeGreaterThanOrEqual(2);
    expect(ab.points.at(-1)!.y).toBeLessThanOrEqual(box('b').y + 1);
    // The same graph again: the cached layout.
    expect(await layoutDag({ nodes, edges })).toBe(layout);
  });

  test('a graph over the limit gets no Graphviz layout (the caller lays it out)', async () => {
    const nodes = Array.from({ length: MAX_GRAPHVIZ_NODES + 1 }, (_, i) => ({ id: `n${i}` }));
    expect(await layoutDag({ nodes, edges: [] })).toBeNull();
  });

  test('a graph under the node limit but over the layout cost gets none either, at once', async () => {
    const graph = longEdges(100);
    expect(graph.nodes.length).toBeLessThan(MAX_GRAPHVIZ_NODES);
    expect(layoutCost(graph)).toBeGreaterThan(MAX_LAYOUT_COST);
    expect(await layoutDag(graph)).toBeNull();
  });

  test('a layout that misses its deadline gets none: its thread is ended, and the next layout works', async () => {
    // Under the cost limit, and seconds of Graphviz here: on the caller's thread no deadline
    // could cut it short, and this would come back with a layout.
    const slow = longEdges(90);
    expect(layoutCost(slow)).toBeLessThanOrEqual(MAX_LAYOUT_COST);
    expect(await layoutDag(slow, 50)).toBeNull();
    const quick = await layoutDag({ nodes: [{ id: 'a' }, { id: 'b' }], edges: [{ from: 'a', to: 'b' }] });
    expect(quick?.nodes.map((n) => n.id).sort()).toEqual(['a', 'b']);
  });

  test('Graphviz answers in order, and says what went wrong instead of throwing', async () => {
    const [first, bad, second] = await Promise.all([
      renderGraphviz('digraph { a -> b }', 'json0'),
      renderGraphviz('digraph { a -> ', 'svg'),
      renderGraphviz('digraph { c }', 'svg'),
    ]);
    expect(first.ok && JSON.parse(first.text).objects.map((o: { name: string }) => o.name)).toEqual(['a', 'b']);
    expect(bad).toMatchObject({ ok: false, reason: 'failed' });
    expect(second.ok && second.text).toContain('<svg');
  });
});
