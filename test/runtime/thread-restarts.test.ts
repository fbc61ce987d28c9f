import { describe, expect, test } from 'bun:test';
import { MAX_FAILED_STARTS, ThreadRestarts } from '../../actors/executor/thread-restarts.ts';

/** ThreadRestarts on a clock the test moves. */
function restartsAt(start = 1_000) {
  let now = start;
  const restarts = new ThreadRestarts(() => now);
  return { restarts, at: (t: number) => (now = start + t) };
}

describe('when a lost thread is replaced', () => {
  test('after a thread that worked: at once, however often', () => {
    const { restarts } = restartsAt();
    for (let i = 0; i < 10; i++) expect(restarts.lost(true)).toEqual({ giveUp: false, delayMs: 0 });
  });

  test('after threads that never reported: rounds of 100 ms, then 200 ms, then never', () => {
    const { restarts, at } = restartsAt();
    expect(MAX_FAILED_STARTS).toBe(3);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
    at(150);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 200 });
    at(400);
    expect(restarts.lost(false)).toEqual({ giveUp: true });
  });

  test('losses before a round\'s try are of that round: threads started together, or the pool\'s own, do not give up at once', () => {
    const { restarts, at } = restartsAt();
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
    at(5);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 95 });
    at(99);
    for (let i = 0; i < 20; i++) expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 1 });
    at(100);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 200 });
  });

  test('a report between failed starts starts the count again', () => {
    const { restarts, at } = restartsAt();
    restarts.lost(false);
    at(150);
    restarts.lost(false);
    restarts.reported();
    at(160);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
    restarts.lost(true);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
  });
});
