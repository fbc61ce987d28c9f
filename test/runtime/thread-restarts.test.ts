import { describe, expect, test } from 'bun:test';
import { MAX_FAILED_STARTS, ThreadRestarts } from '../../actors/executor/thread-restarts.ts';

describe('when a lost thread is replaced', () => {
  test('after a thread that worked: at once, however often', () => {
    const restarts = new ThreadRestarts();
    for (let i = 0; i < 10; i++) expect(restarts.lost(true)).toEqual({ giveUp: false, delayMs: 0 });
  });

  test('after threads that never reported: 100 ms, then twice as long, then never', () => {
    const restarts = new ThreadRestarts();
    expect(MAX_FAILED_STARTS).toBe(3);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 200 });
    expect(restarts.lost(false)).toEqual({ giveUp: true });
  });

  test('a report between failed starts starts the count again', () => {
    const restarts = new ThreadRestarts();
    restarts.lost(false);
    restarts.lost(false);
    restarts.reported();
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
    restarts.lost(true);
    expect(restarts.lost(false)).toEqual({ giveUp: false, delayMs: 100 });
  });
});
