import { describe, expect, test } from 'bun:test';
import { placeOnThreads } from '../../actors/executor/thread-placement.ts';

const thread = (name: string, held: number) => ({ name, held: { size: held } });
const names = (r: ReturnType<typeof placeOnThreads<string, ReturnType<typeof thread>>>) =>
  r.batches.map((b) => ({ thread: b.thread.name, items: b.items, alone: b.alone }));

describe('placeOnThreads', () => {
  test('each request goes to the thread with the most room; ties go to the first', () => {
    const r = placeOnThreads(['a', 'b', 'c', 'd'], [thread('t1', 1), thread('t2', 0)], 4);
    // t2 has more room (4 against 3) for a; then both have 3: b to t1; then t2 (3 against 2)...
    expect(names(r)).toEqual([
      { thread: 't2', items: ['a', 'c'], alone: false },
      { thread: 't1', items: ['b', 'd'], alone: false },
    ]);
    expect(r.placed).toBe(4);
  });

  test('stops at the first request no thread has room for, in order', () => {
    const r = placeOnThreads(['a', 'b', 'c'], [thread('t1', 3), thread('t2', 4)], 4);
    expect(names(r)).toEqual([{ thread: 't1', items: ['a'], alone: false }]);
    expect(r.placed).toBe(1);
    expect(placeOnThreads(['a'], [thread('t1', 4)], 4)).toEqual({ batches: [], placed: 0 });
  });

  test('a thread is alone when it gets all of it and no other thread holds work', () => {
    // A chain: one request at a time, to the first thread.
    expect(names(placeOnThreads(['a'], [thread('t1', 0), thread('t2', 0)], 4))).toEqual([{ thread: 't1', items: ['a'], alone: true }]);
    // Another thread still runs something: not alone.
    expect(names(placeOnThreads(['a'], [thread('t1', 0), thread('t2', 2)], 4))).toEqual([{ thread: 't1', items: ['a'], alone: false }]);
    // The other thread, not the one sent to, holds work: not alone either way.
    expect(names(placeOnThreads(['a'], [thread('t1', 1), thread('t2', 1)], 4))).toEqual([{ thread: 't1', items: ['a'], alone: false }]);
    expect(names(placeOnThreads(['a'], [thread('t1', 1), thread('t2', 0)], 4))).toEqual([{ thread: 't2', items: ['a'], alone: false }]);
    // Work the thread itself holds does not count against it.
    expect(names(placeOnThreads(['a'], [thread('t1', 1)], 4))).toEqual([{ thread: 't1', items: ['a'], alone: true }]);
    // Sent to two threads: neither is alone.
    expect(names(placeOnThreads(['a', 'b'], [thread('t1', 0), thread('t2', 0)], 1)).map((b) => b.alone)).toEqual([false, false]);
  });
});
