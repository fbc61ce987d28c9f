/** What placement needs of a thread: how many requests it holds now. */
export interface HoldingThread {
  readonly held: { readonly size: number };
}

/** The items one thread is sent in one message. */
export interface ThreadBatch<T, Thread> {
  thread: Thread;
  items: T[];
}

/**
 * Places `items`, in order, each on the thread with the most room under `limit` (ties: the
 * first such thread), so that CPU-bound requests spread over the threads. Stops at the first
 * item no thread has room for: what is left waits for a thread to free a slot, in order.
 * `alone`: the thread given everything placed, when no other thread holds work (the one that
 * may spin when idle, see PostCounter.maySpin); null otherwise.
 */
export function placeOnThreads<T, Thread extends HoldingThread>(
  items: readonly T[],
  threads: readonly Thread[],
  limit: number,
): { batches: ThreadBatch<T, Thread>[]; placed: number; alone: Thread | null } {
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
  const only = batches.size === 1 ? [...batches.keys()][0] : null;
  const alone = only !== null && threads.every((t) => t === only || t.held.size === 0) ? only : null;
  return { batches: [...batches].map(([thread, batchItems]) => ({ thread, items: batchItems })), placed, alone };
}
