import { describe, expect, test } from 'bun:test';
import { BinaryHeap } from '../../src/scheduling/binary-heap.ts';
import { SortedBatchHeap } from '../../src/scheduling/sorted-batch-heap.ts';
import { seededRandom } from '../support/seeded-random.ts';

// Ties broken by index, as the run frontier orders runnable tasks: higher priority first.
const byPriority = (priorities: number[]) => (a: number, b: number) =>
  priorities[a] > priorities[b] || (priorities[a] === priorities[b] && a < b);

describe('SortedBatchHeap', () => {
  test('an empty one has size 0 and pops undefined', () => {
    const heap = new SortedBatchHeap<number>((a, b) => a < b);
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });

  test('a sorted batch pops in order, merged with items pushed after it', () => {
    const heap = new SortedBatchHeap<number>((a, b) => a < b);
    heap.pushAll(Array.from({ length: 100 }, (_, i) => i * 2)); // 0, 2, …, 198: kept as the batch
    heap.pushAll([5, 1, 301, 199]); // small and unsorted: the heap
    expect(heap.size).toBe(104);
    const out: number[] = [];
    for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x);
    expect(out).toEqual([...Array.from({ length: 100 }, (_, i) => i * 2), 1, 5, 199, 301].sort((a, b) => a - b));
    expect(heap.size).toBe(0);
  });

  test('a sorted batch is popped without sift-downs: about one comparison a pop', () => {
    let comparisons = 0;
    const heap = new SortedBatchHeap<number>((a, b) => {
      comparisons++;
      return a < b;
    });
    heap.pushAll(Array.from({ length: 1_000 }, (_, i) => i)); // the order check: 999 comparisons
    heap.pushAll([5_000]); // one item in the heap, compared with the batch's head at each pop
    const afterPush = comparisons;
    for (let i = 0; i < 1_000; i++) expect(heap.pop()).toBe(i);
    // A heap would take ~2 × log2(1,000) ≈ 20 comparisons a pop.
    expect(comparisons - afterPush).toBeLessThanOrEqual(1_000);
    expect(heap.pop()).toBe(5_000);
  });

  test('pops exactly what a BinaryHeap pops, for seeded random mixes of batches and pushes', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const priorities = Array.from({ length: 5_000 }, () => Math.floor(random() * 4));
      const before = byPriority(priorities);
      const fast = new SortedBatchHeap<number>(before);
      const reference = new BinaryHeap<number>(before);
      const unused = Array.from({ length: priorities.length }, (_, i) => i);
      const take = (n: number) => unused.splice(Math.floor(random() * Math.max(1, unused.length - n)), n);
      const popped: [number | undefined, number | undefined][] = [];
      for (let step = 0; step < 200 && (unused.length > 0 || reference.size > 0); step++) {
        const roll = random();
        if (roll < 0.3 && unused.length > 0) {
          // A batch: sometimes in the heap's order (kept as the batch), sometimes not.
          const items = take(Math.min(unused.length, 1 + Math.floor(random() * 300)));
          if (random() < 0.7) items.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
          fast.pushAll(items);
          for (const i of items) reference.push(i);
        } else {
          for (let k = Math.floor(random() * 50); k > 0; k--) popped.push([fast.pop(), reference.pop()]);
        }
        expect(fast.size).toBe(reference.size);
      }
      while (reference.size > 0) popped.push([fast.pop(), reference.pop()]);
      expect(popped.map(([a]) => a)).toEqual(popped.map(([, b]) => b));
    }
  });
});
