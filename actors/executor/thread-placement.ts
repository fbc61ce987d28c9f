/** What placement needs of a thread: how many requests it holds now. */
export interface HoldingThread {
  readonly held: { readonly size: number };
}

/** The items one thread is sent in one message. */
export interface ThreadBatch<T, Thread> {
  thread: Thread;
  items: T[];
  /** No other thread holds work, before or after this placement (see PostCounter.maySpin). */
  alone: boolean;
}

/**
 * Places `items`, in order, each on the thread with the most room under `limit` (ties: the
 * first such thread), so that CPU-bound requests spread over the threads. Stops at the first
 * item no thread has room for: what is left waits for a thread to free a slot, in order.
 */
export function placeOnThreads<T, Thread extends HoldingThread>(
  items: readonly T[],
  threads: readonly Thread[],
  limit: number,
): { batches: ThreadBatch<T, Thread>[]; placed: number } {
  const batches = new Map<Thread, T[]>();
  let placed = 0;
  for (const item of items) {
    let thread: Thread | null = null;
    let room = 0;
    for (const t of threads) {
      const r = limit - t.held.size - (batches.get(t)?.length ?? 0);
      if (r > room) {
        room = r;
        thread = t;
      }
    }
    if (thread === null) break;
    placed++;
    const batch = batches.get(thread);
    if (batch) batch.push(item);
    else batches.set(thread, [item]);
  }
  const alone = (thread: Thread) => batches.size === 1 && threads.every((t) => t === thread || t.held.size === 0);
  return { batches: [...batches].map(([thread, batchItems]) => ({ thread, items: batchItems, alone: alone(thread) })), placed };
}
