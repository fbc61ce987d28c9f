import { describe, expect, test } from 'bun:test';
import { layoutDag, MAX_GRAPHVIZ_NODES } from '../src/graph/layout.ts';

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
});
