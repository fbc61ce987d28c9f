import { describe, expect, test } from 'bun:test';
import { PACKED_FROM, PackedTaskNames, taskNames } from '../../src/scheduling/task-names.ts';
import { RunGraph } from '../../src/scheduling/run-graph.ts';

const all = (names: { length: number; nameOf(i: number): string }) => Array.from({ length: names.length }, (_, i) => names.nameOf(i));

describe('task names', () => {
  test('packed names give back every name as written: empty, one character, long, non-Latin-1, astral', () => {
    // Lone surrogates side by side make a pair once joined: each must still come back alone.
    const written = ['', 'a', 'b-1', 'x'.repeat(200), 'höhe', 'タスク', '😀-task', 'a\uD83D', '\uDE00b', '', '\uD83D', '\uDE00', 'end', 'Z', ''];
    const packed = new PackedTaskNames(written.map((name) => ({ name })));
    expect(packed.length).toBe(written.length);
    expect(all(packed)).toEqual(written);
  });

  test('a name outside the list is an error, not undefined or a neighbour, packed or not', () => {
    const symbols = [{ name: 'a' }, { name: 'b' }];
    for (const names of [new PackedTaskNames(symbols), taskNames(symbols)]) {
      for (const i of [-1, 2, 1.5, Number.NaN]) expect(() => names.nameOf(i)).toThrow(RangeError);
    }
  });

  test(`a run packs its names from ${PACKED_FROM} tasks on; a smaller one keeps the list`, () => {
    const small = taskNames(Array.from({ length: PACKED_FROM - 1 }, (_, i) => ({ name: `s${i}` })));
    expect(small).not.toBeInstanceOf(PackedTaskNames);
    const symbols = Array.from({ length: PACKED_FROM }, (_, i) => ({ name: `task-${i}` }));
    const big = taskNames(symbols);
    expect(big).toBeInstanceOf(PackedTaskNames);
    expect(all(big)).toEqual(symbols.map((s) => s.name));
  });

  test('a big graph finds every task by its name and names every dependency', () => {
    const symbols = Array.from({ length: PACKED_FROM + 2 }, (_, i) => ({ name: `n${i}`, dependencies: i === 0 ? [] : [`n${i - 1}`] }));
    const graph = new RunGraph(symbols);
    expect(graph.names).toBeInstanceOf(PackedTaskNames);
    for (const i of [0, 1, 777, PACKED_FROM + 1]) expect(graph.index(`n${i}`)).toBe(i);
    expect(graph.dependencyNames(PACKED_FROM + 1)).toEqual([`n${PACKED_FROM}`]);
    // Let go, the index is built again from the packed names (a compensation asks for it).
    graph.forgetNameIndex();
    for (const i of [PACKED_FROM + 1, 3, 0]) expect(graph.index(`n${i}`)).toBe(i);
    expect(() => graph.index('missing')).toThrow();
  });
});
