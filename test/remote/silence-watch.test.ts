import { describe, expect, test } from 'bun:test';
import { SimulatedClock } from 'xstate';
import { SilenceWatch } from '../../actors/silence-watch.ts';

/** A watch on a simulated clock; `advance` moves time in steps of `step` ms (a running process), or at once (a stopped one). */
function setup(limitMs = 1_000) {
  const clock = new SimulatedClock();
  const events: string[] = [];
  const watch = new SilenceWatch({
    clock,
    now: () => clock.now(),
    limitMs,
    onSilent: (ms) => events.push(`silent ${ms}`),
    onHeardAgain: () => events.push('heard again'),
  });
  const advance = (ms: number, step = 10) => {
    for (let t = 0; t < ms; t += step) clock.increment(Math.min(step, ms - t));
  };
  return { clock, watch, events, advance };
}

describe('SilenceWatch (a worker watching its dispatcher)', () => {
  test('a peer heard often enough is never silent; one silent past the limit is reported once, and again after it was heard', () => {
    const { watch, events, advance } = setup();
    for (let i = 0; i < 10; i++) {
      advance(600);
      watch.heard();
    }
    expect(events).toEqual([]);
    advance(1_300);
    expect(events).toEqual(['silent 1250']);
    advance(5_000);
    expect(events).toHaveLength(1);
    watch.heard();
    expect(events).toEqual(['silent 1250', 'heard again']);
    advance(1_300);
    expect(events).toEqual(['silent 1250', 'heard again', 'silent 1250']);
  });

  test('a check far later than due (this process was stopped) is not the peer’s silence: it is counted afresh from then', () => {
    const { clock, events, advance } = setup();
    advance(200);
    clock.increment(10_000); // stopped 10 s: the check due at 250 ms runs at 10.2 s
    expect(events).toEqual([]);
    advance(900);
    expect(events).toEqual([]);
    advance(400);
    expect(events).toEqual(['silent 1250']);
  });

  test('stopped, it reports nothing', () => {
    const { watch, events, advance } = setup();
    watch.stop();
    advance(5_000);
    watch.heard();
    expect(events).toEqual([]);
  });
});
