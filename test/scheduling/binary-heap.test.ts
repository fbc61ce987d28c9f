import { describe, expect, test } from 'bun:test';
import { BinaryHeap } from '../../src/scheduling/binary-heap.ts';
import { seededRandom } from '../support/seeded-random.ts';

const minHeap = () => new BinaryHeap<number>((a, b) => a < b);

function drain<T>(heap: BinaryHeap<T>): T[] {
  const out: T[] = [];
  while (heap.size > 0) out.push(heap.pop()!);
  return out;
}

describe('BinaryHeap', () => {
  test('an empty heap has size 0 and peeks and pops undefined', () => {
    const heap = minHeap();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
  });

  test('pops items in the order given by `before`', () => {
    const heap = minHeap();
    for (const n of [5, 1, 4, 2, 3]) heap.push(n);
    expect(drain(heap)).toEqual([1, 2, 3, 4, 5]);
  });

  test('peek shows the next item without removing it', () => {
    const heap = minHeap();
    heap.push(3);
    heap.push(1);
    expect(heap.peek()).toBe(1);
    expect(heap.size).toBe(2);
  });

  test('keeps duplicates', () => {
    const heap = minHeap();
    for (const n of [2, 1, 2, 1]) heap.push(n);
    expect(drain(heap)).toEqual([1, 1, 2, 2]);
  });

  test('works interleaving pushes and pops', () => {
    const heap = minHeap();
    heap.push(5);
    heap.push(3);
    expect(heap.pop()).toBe(3);
    heap.push(4);
    heap.push(1);
    expect(drain(heap)).toEqual([1, 4, 5]);
  });

  test('a comparator with a tie-break orders ties by it (priority, then arrival)', () => {
    type Job = { priority: number; seq: number };
    const heap = new BinaryHeap<Job>((a, b) => a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq));
    [0, 5, 0, 5, 1].forEach((priority, seq) => heap.push({ priority, seq }));
    expect(drain(heap).map((j) => j.seq)).toEqual([1, 3, 4, 0, 2]);
  });

  test('removeWhere returns the removed items and keeps the rest in order', () => {
    const heap = minHeap();
    for (const n of [6, 1, 5, 2, 4, 3]) heap.push(n);
    const removed = heap.removeWhere((n) => n % 2 === 0);
    expect(removed.sort()).toEqual([2, 4, 6]);
    expect(heap.size).toBe(3);
    expect(drain(heap)).toEqual([1, 3, 5]);
  });

  test('removeWhere with no match removes nothing', () => {
    const heap = minHeap();
    for (const n of [3, 1, 2]) heap.push(n);
    expect(heap.removeWhere(() => false)).toEqual([]);
    expect(drain(heap)).toEqual([1, 2, 3]);
  });

  test('removeWhere can empty the heap', () => {
    const heap = minHeap();
    for (const n of [3, 1, 2]) heap.push(n);
    expect(heap.removeWhere(() => true)).toHaveLength(3);
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });

  test('matches a sort on random pushes, pops and removals (seeded)', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const random = seededRandom(seed);
      const heap = minHeap();
      const model: number[] = [];
      for (let step = 0; step < 2_000; step++) {
        const r = random();
        if (r < 0.55) {
          const n = Math.floor(random() * 100);
          heap.push(n);
          model.push(n);
        } else if (r < 0.95) {
          model.sort((a, b) => a - b);
          expect(heap.pop()).toBe(model.shift());
        } else {
          const mod = 2 + Math.floor(random() * 5);
          const removed = heap.removeWhere((n) => n % mod === 0);
          const expected = model.filter((n) => n % mod === 0);
          model.splice(0, model.length, ...model.filter((n) => n % mod !== 0));
          expect(removed.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        }
        expect(heap.size).toBe(model.length);
      }
      expect(drain(heap)).toEqual(model.sort((a, b) => a - b));
    }
  });
});
