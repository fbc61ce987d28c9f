import { describe, expect, test } from 'bun:test';
import { CommitBarrier, type AfterCommit } from '../../actors/commit-barrier.ts';
import type { DurableWaiter, JournalRecorder } from '../../actors/journal/journal-recorder.ts';

/** A journal that only counts its flushes, and a log of what happened in which order. */
function setup() {
  const log: string[] = [];
  let flushes = 0;
  const journal = {
    flushThen: (then: DurableWaiter) => {
      log.push(`flush ${++flushes}`);
      then.durable();
    },
  } as unknown as JournalRecorder;
  const barrier = new CommitBarrier(journal, (err) => log.push(`error ${String(err)}`));
  const waiter = (name: string): AfterCommit => ({ afterCommit: () => log.push(`woke ${name}`) });
  return { barrier, waiter, log };
}

describe('the commit barrier', () => {
  test('wakes a waiter only after the flush that follows its request', async () => {
    const { barrier, waiter, log } = setup();
    barrier.request(waiter('a'));
    barrier.request(waiter('b'));
    expect(log).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['flush 1', 'woke a', 'woke b']);
  });

  test('the first commit of a loop turn comes at the end of the task that asked, before any later task', async () => {
    const { barrier, waiter, log } = setup();
    // Two timers due together run in one loop turn, as two tasks.
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        barrier.request(waiter('first'));
        log.push('end of task 1');
      }, 0);
      setTimeout(() => {
        log.push('task 2');
        setImmediate(() => log.push('check phase'));
        barrier.request(waiter('second'));
        log.push('end of task 2');
        setImmediate(() => setImmediate(resolve));
      }, 0);
    });
    // The first commit ran in a microtask of task 1; the second request, in the same turn,
    // waited for the loop's check phase (setImmediate), so a turn has at most two commits.
    expect(log).toEqual(['end of task 1', 'flush 1', 'woke first', 'task 2', 'end of task 2', 'check phase', 'flush 2', 'woke second']);
  });

  test('a refused flush wakes no one and reports the error', async () => {
    const log: string[] = [];
    const journal = {
      flushThen: () => {
        throw new Error('disk full');
      },
    } as unknown as JournalRecorder;
    const barrier = new CommitBarrier(journal, (err) => log.push(`error ${(err as Error).message}`));
    barrier.request({ afterCommit: () => log.push('woke') });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['error disk full']);
  });

  describe('with commits that land later (a background writer)', () => {
    /** A journal whose commits land when the test says, as the background writer's do. */
    function background() {
      const log: string[] = [];
      const inFlight: DurableWaiter[] = [];
      let flushes = 0;
      const journal = {
        flushThen: (then: DurableWaiter) => {
          log.push(`flush ${++flushes}`);
          inFlight.push(then);
        },
      } as unknown as JournalRecorder;
      const barrier = new CommitBarrier(journal, (err) => log.push(`error ${String(err)}`));
      const waiter = (name: string): AfterCommit => ({
        beforeCommit: () => log.push(`sealed ${name}`),
        afterCommit: () => log.push(`woke ${name}`),
      });
      return { barrier, waiter, log, inFlight };
    }
    const turn = () => new Promise((r) => setImmediate(r));

    test('a waiter is sealed into the commit before it is sent, and woken when it lands', async () => {
      const { barrier, waiter, log, inFlight } = background();
      barrier.request(waiter('a'));
      await turn();
      expect(log).toEqual(['sealed a', 'flush 1']);
      inFlight.shift()!.durable();
      expect(log).toEqual(['sealed a', 'flush 1', 'woke a']);
    });

    test('what asks while a commit is on its way waits for the next one, made once that lands', async () => {
      const { barrier, waiter, log, inFlight } = background();
      barrier.request(waiter('a'));
      await turn();
      barrier.request(waiter('b'));
      await turn();
      await turn();
      // One commit in flight at a time: b is not sealed into a's.
      expect(log).toEqual(['sealed a', 'flush 1']);
      inFlight.shift()!.durable();
      expect(log).toEqual(['sealed a', 'flush 1', 'woke a']);
      await turn();
      expect(log).toEqual(['sealed a', 'flush 1', 'woke a', 'sealed b', 'flush 2']);
      inFlight.shift()!.durable();
      expect(log.at(-1)).toBe('woke b');
    });

    test('a refused commit wakes no one; its waiters are sealed again into the commit after resume()', async () => {
      const { barrier, waiter, log, inFlight } = background();
      barrier.request(waiter('a'));
      await turn();
      inFlight.shift()!.refused();
      await turn();
      expect(log).toEqual(['sealed a', 'flush 1']);
      barrier.resume();
      await turn();
      expect(log).toEqual(['sealed a', 'flush 1', 'sealed a', 'flush 2']);
      inFlight.shift()!.durable();
      expect(log.at(-1)).toBe('woke a');
    });
  });
});
