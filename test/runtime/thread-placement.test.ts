import { describe, expect, test } from 'bun:test';
import { placeOnThreads } from '../../actors/executor/thread-placement.ts';

const thread = (name: string, held: number) => ({ name, held: { size: held } });
type Thread = ReturnType<typeof thread>;
const named = (r: ReturnType<typeof placeOnThreads<string, Thread>>) => ({
  batches: r.batches.map((b) => ({ thread: b.thread.name, items: b.items })),
  placed: r.placed,
  alone: r.alone?.name ?? null,
});

describe('placeOnThreads', () => {
  test('each request goes to the thread with the most room; ties go to the first', () => {
    // t2 has more room (4 against 3) for a; then both have 3: b to t1; then t2 (3 against 2)...
    expect(named(placeOnThreads(['a', 'b', 'c', 'd'], [thread('t1', 1), thread('t2', 0)], 4))).toEqual({
      batches: [
        { thread: 't2', items: ['a', 'c'] },
        { thread: 't1', items: ['b', 'd'] },
      ],
      placed: 4,
      alone: null,
    });
  });

  test('stops at the first request no thread has room for, in order', () => {
    expect(named(placeOnThreads(['a', 'b', 'c'], [thread('t1', 3), thread('t2', 4)], 4))).toEqual({
      batches: [{ thread: 't1', items: ['a'] }],
      placed: 1,
      alone: null, // t2 holds work
    });
    expect(named(placeOnThreads(['a'], [thread('t1', 4)], 4))).toEqual({ batches: [], placed: 0, alone: null });
  });

  test('a thread is alone when it gets all of it and no other thread holds work', () => {
    const alone = (items: string[], threads: Thread[], limit = 4) => named(placeOnThreads(items, threads, limit)).alone;
    // A chain: one request at a time, to the first thread.
    expect(alone(['a'], [thread('t1', 0), thread('t2', 0)])).toBe('t1');
    // Another thread holds work, whether or not it is the one sent to: nobody is alone.
    expect(alone(['a'], [thread('t1', 0), thread('t2', 2)])).toBeNull();
    expect(alone(['a'], [thread('t1', 1), thread('t2', 1)])).toBeNull();
    expect(alone(['a'], [thread('t1', 1), thread('t2', 0)])).toBeNull();
    // Work the thread itself holds does not count against it.
    expect(alone(['a'], [thread('t1', 1)])).toBe('t1');
    // Sent to two threads: neither is alone.
    expect(alone(['a', 'b'], [thread('t1', 0), thread('t2', 0)], 1)).toBeNull();
  });
});
