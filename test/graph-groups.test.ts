import { describe, expect, test } from 'bun:test';
import { groupByDepth } from '../src/graph/groups.ts';

describe('groupByDepth', () => {
  test('symbols by their longest chain of dependencies; one edge per pair of depths', () => {
    const names = ['root', 'a', 'b', 'c', 'late'];
    const edges = [
      { from: 'root', to: 'a' },
      { from: 'root', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'c' },
      { from: 'root', to: 'late' },
      { from: 'c', to: 'late' },
    ];
    const { groups, edges: between } = groupByDepth(names, edges);
    expect(groups.map((g) => [g.id, g.members])).toEqual([
      ['depth 0', ['root']],
      ['depth 1', ['a', 'b']],
      ['depth 2', ['c']],
      ['depth 3', ['late']],
    ]);
    expect(between).toEqual([
      { from: 'depth 0', to: 'depth 1' },
      { from: 'depth 0', to: 'depth 3' },
      { from: 'depth 1', to: 'depth 2' },
      { from: 'depth 2', to: 'depth 3' },
    ]);
  });

  test('a 100,000-symbol fan-out is two groups', () => {
    const names = ['root', ...Array.from({ length: 100_000 }, (_, i) => `t${i}`)];
    const { groups, edges } = groupByDepth(names, names.slice(1).map((n) => ({ from: 'root', to: n })));
    expect(groups.map((g) => g.members.length)).toEqual([1, 100_000]);
    expect(edges).toHaveLength(1);
  });
});
