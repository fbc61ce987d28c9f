import { describe, expect, test } from 'bun:test';
import { waitedMs } from '../src/attempt-history.ts';

describe('waitedMs: how long an attempt waited before it ran', () => {
  test('until it started: in the queue, then held on its node', () => {
    expect(waitedMs({ readyAt: 100, assignedAt: 102, startedAt: 107 })).toBe(7);
  });
  test('until its assignment when it never started; unknown without a ready time', () => {
    expect(waitedMs({ readyAt: 100, assignedAt: 102, startedAt: null })).toBe(2);
    expect(waitedMs({ readyAt: null, assignedAt: 102, startedAt: 107 })).toBeNull();
    expect(waitedMs({ readyAt: 100, assignedAt: null, startedAt: null })).toBeNull();
  });
});
