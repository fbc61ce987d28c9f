import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'bun:test';
import { STALLED_TIMER_MS, systemClock } from '../src/clock.ts';

/**
 * A thread that posts a message when asked, then marks that it did. `stallWhileItPosts` keeps
 * this thread busy (what a stall of the process looks like to its timers) until the message
 * is posted and the timers set before have fallen due well in the past.
 */
async function poster(): Promise<{ worker: Worker; stallWhileItPosts: () => void }> {
  const posted = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     parentPort.on('message', () => { parentPort.postMessage('result'); Atomics.store(workerData, 0, 1); });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: posted },
  );
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const stallWhileItPosts = () => {
    worker.postMessage('post');
    const until = Date.now() + STALLED_TIMER_MS * 4;
    while (Date.now() < until || Atomics.load(posted, 0) === 0) {
      // nothing: the event loop cannot run meanwhile
    }
  };
  return { worker, stallWhileItPosts };
}

describe('systemClock after a stall of this process', () => {
  test('a timer that fires late runs after what arrived meanwhile is read', async () => {
    const { worker, stallWhileItPosts } = await poster();
    const order: string[] = [];
    const both = new Promise<void>((resolve) => {
      worker.on('message', () => order.push('message'));
      systemClock.setTimeout(() => {
        order.push('timer');
        resolve();
      }, 10);
    });
    // The thread's message arrives during the stall; the timer falls due during it too.
    stallWhileItPosts();
    await both;
    expect(order).toEqual(['message', 'timer']);
    await worker.terminate();
  });

  test('what arrived meanwhile can still clear the late timer', async () => {
    const { worker, stallWhileItPosts } = await poster();
    let fired = false;
    const timer = systemClock.setTimeout(() => (fired = true), 10);
    const read = new Promise<void>((resolve) =>
      worker.on('message', () => {
        systemClock.clearTimeout(timer);
        resolve();
      }),
    );
    stallWhileItPosts();
    await read;
    // One more timer turn than the deferral: had it not been cleared, it would have run by now.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).toBe(false);
    await worker.terminate();
  });

  test('a timer on time runs at once, and one cleared before its time never runs', async () => {
    const ran: number[] = [];
    const cleared = systemClock.setTimeout(() => ran.push(0), 5);
    systemClock.clearTimeout(cleared);
    await new Promise<void>((resolve) => systemClock.setTimeout(() => resolve(void ran.push(1)), 5));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ran).toEqual([1]);
  });
});
