import { describe, expect, test } from 'bun:test';
import { COOLDOWN_IDLES, IdleSpin, PostCounter, SPIN_LIMIT_MS, SPIN_WINDOW, UNSEEN_REPORT_MS } from '../../actors/executor/idle-spin.ts';

/**
 * A clock that moves `step` ms each time it is read, and runs `onRead` (what another thread
 * would do meanwhile) with the read's number: the spin reads it between loads of the counter.
 */
function steppingClock(step: number, onRead: (reads: number) => void = () => {}) {
  let t = 0;
  let reads = 0;
  return {
    now: () => {
      onRead(++reads);
      return (t += step);
    },
    get reads() {
      return reads;
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

/** A thread's spin that has learnt it pays: one idle gap shorter than the limit. */
function learnt(counter: PostCounter, clock: { now: () => number }): IdleSpin {
  const spin = new IdleSpin(counter.buffer, clock.now);
  spin.idle(); // not yet learnt: returns at once
  counter.bump();
  spin.onMessage(); // the gap: one clock step
  return spin;
}

describe('IdleSpin', () => {
  test('does not spin before a short gap has shown that spinning pays', () => {
    const counter = new PostCounter();
    counter.maySpin(true);
    const clock = steppingClock(0.001);
    const spin = new IdleSpin(counter.buffer, clock.now);
    spin.idle();
    // One read for the time it went idle, none while spinning.
    expect(clock.reads).toBe(1);
  });

  test('spins until the limit when nothing is posted, then stops spinning after that long gap', () => {
    const counter = new PostCounter();
    counter.maySpin(true);
    const clock = steppingClock(0.001);
    const spin = learnt(counter, clock);
    const before = clock.reads;
    spin.idle();
    const spun = clock.reads - before;
    // It gave up after about SPIN_LIMIT_MS of the clock's steps, not earlier, not forever.
    expect(spun).toBeGreaterThan(SPIN_LIMIT_MS / 0.001 - 2);
    expect(spun).toBeLessThan(SPIN_LIMIT_MS / 0.001 + 3);
    // The message came late: the gap is longer than the limit, so the next idle returns at once.
    clock.advance(1);
    counter.bump();
    spin.onMessage();
    const after = clock.reads;
    spin.idle();
    expect(clock.reads - after).toBe(1);
  });

  test('returns as soon as the main thread posts', () => {
    const counter = new PostCounter();
    counter.maySpin(true);
    let postAt = Infinity;
    const clock = steppingClock(0.001, (reads) => {
      if (reads === postAt) counter.bump();
    });
    const spin = learnt(counter, clock);
    postAt = clock.reads + 5;
    spin.idle();
    // The read that posted ends the spin at the next load of the counter.
    expect(clock.reads).toBe(postAt);
    spin.onMessage();
    // A message already on its way when the thread goes idle: no spin at all.
    counter.bump();
    const before = clock.reads;
    spin.idle();
    expect(clock.reads - before).toBe(1);
  });

  test('stops early while the main thread has not picked up its last report (it may wait for this core)', () => {
    const counter = new PostCounter();
    counter.maySpin(true);
    const clock = steppingClock(0.001);
    const spin = learnt(counter, clock);
    spin.reported();
    let before = clock.reads;
    spin.idle();
    const spun = clock.reads - before;
    expect(spun).toBeGreaterThan(UNSEEN_REPORT_MS / 0.001 - 2);
    expect(spun).toBeLessThan(UNSEEN_REPORT_MS / 0.001 + 3);
    // Once the main thread has it, the spin goes on to its limit.
    counter.seen();
    counter.bump();
    spin.onMessage(); // a short gap: spinning still pays
    before = clock.reads;
    spin.idle();
    expect(clock.reads - before).toBeGreaterThan(SPIN_LIMIT_MS / 0.001 - 2);
  });

  test('spins that catch too little make the thread sleep at once for a while, then it tries again', () => {
    const counter = new PostCounter();
    counter.maySpin(true);
    const clock = steppingClock(0.001);
    const spin = learnt(counter, clock);
    // A window of spins that all give up (no message comes within the limit)...
    const idleGivingUp = () => {
      spin.idle();
      clock.advance(-1); // keep the measured gap short, so spinning still looks like it pays
      counter.bump();
      spin.onMessage();
    };
    for (let i = 0; i < SPIN_WINDOW; i++) idleGivingUp();
    expect(counter.stats()).toEqual({ caught: 0, gaveUp: SPIN_WINDOW });
    // ...then no spin for COOLDOWN_IDLES idle periods: one clock read each.
    for (let i = 0; i < COOLDOWN_IDLES; i++) {
      const before = clock.reads;
      idleGivingUp();
      expect(clock.reads - before).toBe(2); // the idle's own read and the message's
    }
    expect(counter.stats().gaveUp).toBe(SPIN_WINDOW);
    // Then it spins again.
    idleGivingUp();
    expect(counter.stats().gaveUp).toBe(SPIN_WINDOW + 1);
  });

  test('does not spin when the main thread says another thread holds work', () => {
    const counter = new PostCounter();
    counter.maySpin(true);
    const clock = steppingClock(0.001);
    const spin = learnt(counter, clock);
    counter.maySpin(false);
    const before = clock.reads;
    spin.idle();
    expect(clock.reads - before).toBe(1);
  });
});
