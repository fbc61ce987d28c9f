import { describe, expect, test } from 'bun:test';
import {
  FrameBatcher,
  MessageTooLargeError,
  decodeFrame,
  encodeFrame,
  toDispatcher,
  toWorker,
  utf8Length,
  type FrameBatcherOptions,
  type ToDispatcherMessage,
} from '../../src/protocol/index.ts';

/** A batcher with a manual scheduler: `tick()` runs what was scheduled, like the next loop turn. */
function setup(options: Omit<FrameBatcherOptions, 'send' | 'schedule'>) {
  const frames: string[] = [];
  let scheduled: (() => void)[] = [];
  let scheduleCalls = 0;
  const batcher = new FrameBatcher<ToDispatcherMessage>({
    ...options,
    send: (frame) => frames.push(frame),
    schedule: (flush) => {
      scheduleCalls++;
      scheduled.push(flush);
    },
  });
  const tick = () => {
    const due = scheduled;
    scheduled = [];
    for (const flush of due) flush();
  };
  /** The messages of every frame sent so far, in order (each frame must decode within the limit). */
  const received = () =>
    frames.flatMap((frame) => {
      const result = decodeFrame(frame, 'toDispatcher', { maxBytes: options.maxFrameBytes });
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.messages;
    });
  return { batcher, frames, tick, received, scheduleCalls: () => scheduleCalls };
}

const hb = (n: number) => toDispatcher.heartbeat(n);
const log = (text: string) => toDispatcher.log('info', text);

describe('FrameBatcher', () => {
  test('messages pushed in one tick leave as one batch frame when the tick ends', () => {
    const { batcher, frames, tick, received, scheduleCalls } = setup({ maxFrameBytes: 10_000 });
    batcher.push(hb(1));
    batcher.push(hb(2));
    batcher.push(hb(3));
    expect(frames).toHaveLength(0);
    expect(batcher.pendingCount).toBe(3);
    expect(scheduleCalls()).toBe(1);
    tick();
    expect(frames).toEqual([encodeFrame([hb(1), hb(2), hb(3)])]);
    expect(JSON.parse(frames[0]).type).toBe('batch');
    expect(received()).toEqual([hb(1), hb(2), hb(3)]);
    expect(batcher.pendingCount).toBe(0);
  });

  test('a lone message leaves as a plain single-message frame', () => {
    const { batcher, frames, tick } = setup({ maxFrameBytes: 10_000 });
    batcher.push(toDispatcher.draining());
    tick();
    expect(frames).toEqual(['{"v":2,"type":"draining"}']);
  });

  test('each tick starts a new batch; an idle tick sends nothing', () => {
    const { batcher, frames, tick, scheduleCalls } = setup({ maxFrameBytes: 10_000 });
    batcher.push(hb(1));
    tick();
    tick();
    batcher.push(hb(2));
    batcher.push(hb(3));
    tick();
    expect(frames).toEqual([encodeFrame(hb(1)), encodeFrame([hb(2), hb(3)])]);
    expect(scheduleCalls()).toBe(2);
  });

  test('splits by count: a frame leaves as soon as it holds maxMessages', () => {
    const { batcher, frames, tick, received } = setup({ maxFrameBytes: 100_000, maxMessages: 4 });
    const messages = Array.from({ length: 10 }, (_, i) => hb(i));
    for (const m of messages) batcher.push(m);
    // Two full frames went at once, without waiting for the tick.
    expect(frames.map((f) => JSON.parse(f).messages.length)).toEqual([4, 4]);
    tick();
    expect(frames).toHaveLength(3);
    expect(received()).toEqual(messages);
    expect(batcher.stats).toEqual({
      frames: 3,
      messages: 10,
      bytes: frames.reduce((sum, f) => sum + utf8Length(f), 0),
    });
  });

  test('splits by bytes: no frame exceeds the budget, and the count of frames is the least possible', () => {
    const message = log('x'.repeat(50));
    // Room for exactly three messages in a batch frame.
    const three = utf8Length(encodeFrame([message, message, message]));
    const { batcher, frames, tick, received } = setup({ maxFrameBytes: three + 2 });
    for (let i = 0; i < 10; i++) batcher.push(message);
    tick();
    expect(frames.map((f) => JSON.parse(f).messages?.length ?? 1)).toEqual([3, 3, 3, 1]);
    for (const frame of frames) expect(utf8Length(frame)).toBeLessThanOrEqual(three + 2);
    expect(received()).toHaveLength(10);
  });

  test('counts UTF-8 bytes, not characters', () => {
    const message = log('日本語'.repeat(10)); // 30 characters, 90 bytes of text
    const limit = utf8Length(encodeFrame([message, message]));
    const { batcher, frames, tick } = setup({ maxFrameBytes: limit });
    for (let i = 0; i < 5; i++) batcher.push(message);
    tick();
    expect(frames.map((f) => JSON.parse(f).messages?.length ?? 1)).toEqual([2, 2, 1]);
    for (const frame of frames) expect(utf8Length(frame)).toBeLessThanOrEqual(limit);
    // Counting characters would have let three in.
    expect(encodeFrame([message, message, message]).length).toBeLessThanOrEqual(limit);
  });

  test('pendingBytes is the exact size of the frame flush would send', () => {
    const { batcher, frames } = setup({ maxFrameBytes: 10_000 });
    expect(batcher.pendingBytes).toBe(0);
    batcher.push(log('é'));
    expect(batcher.pendingBytes).toBe(utf8Length(encodeFrame(log('é'))));
    batcher.push(hb(7));
    batcher.push(log('ü'.repeat(9)));
    const expected = batcher.pendingBytes;
    batcher.flush();
    expect(utf8Length(frames[0])).toBe(expected);
  });

  test('batchBytes flushes early, below the frame limit; a message over the budget still leaves alone', () => {
    const small = log('x'.repeat(40));
    const big = log('y'.repeat(1000));
    const batchBytes = utf8Length(encodeFrame([small, small])) + 1;
    const { batcher, frames } = setup({ maxFrameBytes: 10_000, batchBytes });
    batcher.push(small);
    batcher.push(small);
    batcher.push(big); // does not fit with the two: they leave first, then it leaves at once on its own
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[0]).messages).toHaveLength(2);
    expect(frames[1]).toBe(encodeFrame(big));
    expect(batcher.pendingCount).toBe(0);
  });

  test('a message that fits no frame throws MessageTooLargeError and leaves the queue as it was', () => {
    const { batcher, frames, tick, received } = setup({ maxFrameBytes: 200 });
    batcher.push(hb(1));
    const huge = toDispatcher.outcome('k', 'lease-0000000000000001', { ok: true, output: 'z'.repeat(500) });
    let caught: unknown;
    try {
      batcher.push(huge);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MessageTooLargeError);
    const error = caught as MessageTooLargeError;
    expect(error.messageType).toBe('outcome');
    expect(error.bytes).toBe(utf8Length(encodeFrame(huge)));
    expect(error.maxFrameBytes).toBe(200);
    expect(error.message).toContain('limit is 200 bytes');
    expect(batcher.pendingCount).toBe(1);
    tick();
    expect(received()).toEqual([hb(1)]);
    expect(frames).toHaveLength(1);
  });

  test('a message exactly at the limit is sent', () => {
    const limit = utf8Length(encodeFrame(log('a'.repeat(100))));
    const { batcher, frames } = setup({ maxFrameBytes: limit });
    batcher.push(log('a'.repeat(100)));
    expect(frames).toHaveLength(1); // reached the budget: sent at once
    expect(() => batcher.push(log('a'.repeat(101)))).toThrow(MessageTooLargeError);
  });

  test('flush sends now, and the scheduled flush that follows finds nothing to send', () => {
    const { batcher, frames, tick } = setup({ maxFrameBytes: 10_000 });
    batcher.push(hb(1));
    batcher.flush();
    expect(frames).toHaveLength(1);
    tick();
    expect(frames).toHaveLength(1);
    batcher.flush();
    expect(frames).toHaveLength(1);
  });

  test('clear drops what is pending and hands it back', () => {
    const { batcher, frames, tick } = setup({ maxFrameBytes: 10_000 });
    batcher.push(hb(1));
    batcher.push(hb(2));
    expect(batcher.clear()).toEqual([hb(1), hb(2)]);
    tick();
    expect(frames).toHaveLength(0);
    expect(batcher.pendingBytes).toBe(0);
  });

  test('a send that throws leaves the batcher consistent', () => {
    let fail = true;
    const sent: string[] = [];
    const batcher = new FrameBatcher({
      maxFrameBytes: 10_000,
      schedule: () => {},
      send: (frame) => {
        if (fail) throw new Error('socket closed');
        sent.push(frame);
      },
    });
    batcher.push(toWorker.abort('k', 'r'));
    expect(() => batcher.flush()).toThrow('socket closed');
    expect(batcher.pendingCount).toBe(0);
    fail = false;
    batcher.push(toWorker.shutdown(1));
    batcher.flush();
    expect(sent).toEqual([encodeFrame(toWorker.shutdown(1))]);
  });

  test('the default scheduler flushes on the next event-loop turn', async () => {
    const sent: string[] = [];
    const batcher = new FrameBatcher({ maxFrameBytes: 10_000, send: (f) => sent.push(f) });
    batcher.push(hb(1));
    batcher.push(hb(2));
    await Promise.resolve();
    expect(sent).toHaveLength(0); // not a microtask: outcomes of one turn share the frame
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([encodeFrame([hb(1), hb(2)])]);
  });

  test('rejects options that cannot work', () => {
    const send = () => {};
    expect(() => new FrameBatcher({ send, maxFrameBytes: 10 })).toThrow(RangeError);
    expect(() => new FrameBatcher({ send, maxFrameBytes: 1000, batchBytes: 2000 })).toThrow(RangeError);
    expect(() => new FrameBatcher({ send, maxFrameBytes: 1000, maxMessages: 0 })).toThrow(RangeError);
    expect(() => new FrameBatcher({ send, maxFrameBytes: 1000.5 })).toThrow(RangeError);
  });

  test('randomized: every frame within the limit, every message delivered once and in order', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const maxFrameBytes = 120 + Math.floor(random() * 2000);
      const batchBytes = Math.max(1, Math.floor(random() * maxFrameBytes));
      const maxMessages = 1 + Math.floor(random() * 20);
      const { batcher, frames, tick, received } = setup({ maxFrameBytes, batchBytes, maxMessages });
      const pushed: ToDispatcherMessage[] = [];
      for (let i = 0; i < 300; i++) {
        const text = (random() < 0.5 ? 'a' : 'é☕').repeat(Math.floor(random() * 80));
        const message = random() < 0.3 ? hb(i) : log(text);
        try {
          batcher.push(message);
          pushed.push(message);
        } catch (err) {
          expect(err).toBeInstanceOf(MessageTooLargeError);
          expect(utf8Length(encodeFrame(message))).toBeGreaterThan(maxFrameBytes);
        }
        if (random() < 0.1) tick();
      }
      tick();
      for (const frame of frames) {
        expect(utf8Length(frame)).toBeLessThanOrEqual(maxFrameBytes);
        const count = JSON.parse(frame).messages?.length ?? 1;
        expect(count).toBeLessThanOrEqual(maxMessages);
        // Over the soft budget only when the frame is one message.
        if (utf8Length(frame) > batchBytes) expect(count).toBe(1);
      }
      expect(received()).toEqual(pushed);
    }
  });
});
