import { BinaryHeap } from './binary-heap.ts';

/** Below this many items a batch goes into the heap: checking its order would not pay. */
const MIN_SORTED_BATCH = 64;

/**
 * A binary heap that also takes items a whole sorted batch at a time, and pops from that batch
 * in O(1) while it lasts. A run's tasks often become runnable as one big batch already in order
 * (every root of a flat run of one priority, every dependent of a fan-out's root), and popping
 * 100k items through a heap's sift-down is up to 17 levels of two `before` calls each: a cost
 * per task that grows with the run. Items pushed while a batch lasts go to the heap; a pop
 * takes whichever head comes first. When `before` is a strict total order (the run frontier's
 * is: priority, then index), the order is exactly the heap's.
 */
export class SortedBatchHeap<T> {
  private readonly heap: BinaryHeap<T>;
  private batch: readonly T[] = [];
  private next = 0;

  constructor(private readonly before: (a: T, b: T) => boolean) {
    this.heap = new BinaryHeap(before);
  }

  get size(): number {
    return this.heap.size + this.batch.length - this.next;
  }

  /**
   * Adds `items`, kept as the sorted batch when they are in order and no batch is left. The
   * array is then held as it is, not copied (a 1M-task fan-out's is 8 MB): the caller must not
   * change it afterwards.
   */
  pushAll(items: readonly T[]): void {
    if (this.next === this.batch.length && items.length >= MIN_SORTED_BATCH && this.inOrder(items)) {
      this.batch = items;
      this.next = 0;
      return;
    }
    for (const item of items) this.heap.push(item);
  }

  pop(): T | undefined {
    if (this.next < this.batch.length) {
      const candidate = this.batch[this.next];
      if (this.heap.size === 0 || !this.before(this.heap.peek() as T, candidate)) {
        this.next++;
        // Let the spent batch go rather than hold it until the next one.
        if (this.next === this.batch.length) {
          this.batch = [];
          this.next = 0;
        }
        return candidate;
      }
    }
    return this.heap.pop();
  }

  private inOrder(items: readonly T[]): boolean {
    for (let k = 1; k < items.length; k++) if (this.before(items[k], items[k - 1])) return false;
    return true;
  }
}
