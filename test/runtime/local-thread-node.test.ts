import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { LocalThreadNode } from '../../actors/local-thread-node.ts';
import { QuickStreak } from '../../actors/quick-streak.ts';
import type { HostServices } from '../../actors/executor/thread-protocol.ts';
import { systemClock } from '../../src/clock.ts';
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../../src/execution.ts';

// Real threads on a shared 2-core machine: allow for load.
setDefaultTimeout(30_000);

const host: HostServices = { stateGet: () => undefined, stateSet: () => {}, log: () => {} };
const nodes: LocalThreadNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close(2_000)));
});

function makeNode(threads: number, tasksPerThread: number): LocalThreadNode {
  const node = new LocalThreadNode({ threads, tasksPerThread, host, clock: systemClock, onCapacity: () => {} });
  nodes.push(node);
  return node;
}

let seq = 0;
function request(parameters: Record<string, unknown>): ExecutionRequest {
  const name = `r${seq++}`;
  return {
    runId: 'run-local-node',
    task: name,
    attempt: 1,
    kind: 'run',
    symbol: { name, type: 'action', context: 'generic', dispatch: 'internal', parameters, timeout: 30_000 },
    dependencies: {},
    baseDir: null,
  };
}

/** Runs a request; the log gets `started:<name>` and `finished:<name>` as the node reports them. */
function run(node: LocalThreadNode, r: ExecutionRequest, log: string[]): Promise<ExecutionOutcome> {
  return new Promise((resolve) => {
    node.execute(r, {
      started: () => log.push(`started:${r.task}`),
      finished: (outcome) => {
        log.push(`finished:${r.task}`);
        resolve(outcome);
      },
    });
  });
}

/** Enough quick requests, in waves the node takes, that threads may hold work (a quick streak). */
async function warmQuickStreak(node: LocalThreadNode): Promise<void> {
  for (let done = 0; done < 3 * QuickStreak.QUICK_BEFORE_HOLDING; ) {
    const n = Math.max(1, node.freeSlots());
    done += n;
    await Promise.all(Array.from({ length: n }, () => run(node, request({ operation: 'noop' }), [])));
  }
}

/** Waits, bounded, until `check` holds. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the local node', () => {
  test('a slot comes free when its request ends, while a slow request on the same thread still runs', async () => {
    const node = makeNode(1, 2);
    const log: string[] = [];
    // Far longer than any test waits: it is stopped below, so a loaded machine cannot let it end first.
    const slowRequest = request({ operation: 'delay', ms: 60_000 });
    const slow = run(node, slowRequest, log);
    const quick = request({ operation: 'noop' });
    await run(node, quick, log);
    // The old one-call-per-batch design freed a thread's slots only when its whole batch ended.
    expect(log).toContain(`finished:${quick.task}`);
    expect(log.filter((l) => l.startsWith('finished')).length).toBe(1);
    expect(node.freeSlots()).toBe(1);
    node.abort(attemptKey(slowRequest), 'the test is done with it');
    await slow;
    expect(node.freeSlots()).toBe(2);
  });

  test('while requests are quick, threads hold several times their slots; not otherwise', async () => {
    const node = makeNode(2, 2);
    expect(node.freeSlots()).toBe(4);
    await warmQuickStreak(node);
    expect(node.freeSlots()).toBe(4 * QuickStreak.HELD_PER_SLOT);
    // One request that outlasts its thread turn ends the streak.
    await run(node, request({ operation: 'delay', ms: 20 }), []);
    expect(node.freeSlots()).toBe(4);
  });

  test('requests waiting behind a slow one on a thread are given back and run on a thread with room', async () => {
    const node = makeNode(2, 1);
    await warmQuickStreak(node);
    expect(node.freeSlots()).toBe(2 * QuickStreak.HELD_PER_SLOT);
    const log: string[] = [];
    // Handed out in one turn, each to the thread holding fewest: T1 gets slow and n2 (waiting
    // behind it), T2 gets n1 and n3.
    const slow = request({ operation: 'delay', ms: 60_000 }); // stopped below
    const quick = [request({ operation: 'noop' }), request({ operation: 'noop' }), request({ operation: 'noop' })];
    const done = [run(node, slow, log), ...quick.map((r) => run(node, r, log))];
    await Promise.all(done.slice(1));
    // Every quick request ended before the slow one: none stayed behind it on its thread.
    expect(log).not.toContain(`finished:${slow.task}`);
    expect(log.filter((l) => l.startsWith('started')).length).toBe(4);
    node.abort(attemptKey(slow), 'the test is done with it');
    await done[0];
  });

  test('giveBack hands every run request not started to its sink, wherever it waits; what started runs; a rollback stays', async () => {
    const node = makeNode(1, 1);
    await warmQuickStreak(node);
    const log: string[] = [];
    // Long enough that its slot is still taken when giveBack runs, on a loaded machine too.
    const slowRequest = request({ operation: 'delay', ms: 1_500 });
    const slow = run(node, slowRequest, log);
    const returned: string[] = [];
    const finished: string[] = [];
    const waiting = [1, 2, 3, 4].map(() => request({ operation: 'noop' }));
    const rollback = { ...request({ operation: 'noop' }), kind: 'rollback' as const };
    const sinkFor = (r: ExecutionRequest) => ({
      started: () => log.push(`started:${r.task}`),
      finished: () => finished.push(r.task),
      returned: () => returned.push(r.task),
    });
    for (const r of [...waiting, rollback]) node.execute(r, sinkFor(r));
    await until(() => log.includes(`started:${slowRequest.task}`));
    node.giveBack();
    await until(() => returned.length === waiting.length);
    expect(returned.sort()).toEqual(waiting.map((r) => r.task).sort());
    expect(await slow).toMatchObject({ ok: true });
    // The rollback was not given back: it runs once the slot frees.
    await until(() => finished.includes(rollback.task));
    expect(finished).toEqual([rollback.task]);
    expect(node.attemptsHeld()).toBe(0);
  });

  test('requests sent one at a time, each when the last ended, all run, and the idle thread spins for them', async () => {
    const node = makeNode(2, 2);
    const log: string[] = [];
    // Short gaps teach the thread that spinning pays; every message must still reach it.
    for (let i = 0; i < 300; i++) expect((await run(node, request({ operation: 'noop' }), log)).ok).toBe(true);
    expect(log.filter((l) => l.startsWith('finished')).length).toBe(300);
    // The main thread's counters reach the thread: some spin saw a request coming. (How many
    // depends on the machine's load; with no counter moving, none would.)
    const spins = node.spinStats();
    expect(spins.caught).toBeGreaterThan(0);
    expect(spins.caught + spins.gaveUp).toBeLessThanOrEqual(300);
  });

  test('a request aborted while it waits on its thread ends without having started', async () => {
    const node = makeNode(1, 1);
    await warmQuickStreak(node);
    const log: string[] = [];
    const slow = request({ operation: 'delay', ms: 2_000 });
    const waiting = request({ operation: 'noop' });
    const slowDone = run(node, slow, log);
    const waitingDone = run(node, waiting, log);
    // Once `slow` has started, `waiting` waits behind it (given back to the node, as `slow`
    // ended the quick streak).
    for (let i = 0; i < 500 && !log.includes(`started:${slow.task}`); i++) await Bun.sleep(5);
    expect(log).toEqual([`started:${slow.task}`]);
    node.abort(attemptKey(waiting), 'stopped by the test');
    const outcome = await waitingDone;
    expect(outcome.ok).toBe(false);
    expect(log).not.toContain(`started:${waiting.task}`);
    expect((await slowDone).ok).toBe(true);
  });
});

describe('a thread stuck in user code', () => {
  test('its attempt is known to have started; once the thread is terminated, what waited behind it runs on another thread', async () => {
    const node = new LocalThreadNode({ threads: 1, tasksPerThread: 1, host, clock: systemClock, onCapacity: () => {}, abortGraceMs: 50 });
    nodes.push(node);
    const module = new URL('../fixtures/modules/busy-loop.ts', import.meta.url).pathname;
    // Imported once first, so the stuck call below begins in the turn it starts in: nothing
    // else the thread does can come between.
    expect(await run(node, request({ operation: 'module', module }), [])).toEqual({ ok: true, output: 'imported' });
    await warmQuickStreak(node);
    const log: string[] = [];
    const stuck = request({ operation: 'module', module, spin: true });
    const behind = request({ operation: 'noop' });
    // In one turn, so the thread (holding ahead) gets both: `behind` waits for its only slot.
    const stuckDone = run(node, stuck, log);
    const behindDone = run(node, behind, log);
    // Reported before the module's code ran, though that code never lets the thread report again.
    for (let i = 0; i < 2_000 && !log.includes(`started:${stuck.task}`); i++) await Bun.sleep(5);
    expect(log).toEqual([`started:${stuck.task}`]);
    node.abort(attemptKey(stuck), 'timed out');
    // Its signal cannot stop a busy loop: the thread is terminated. Only the attempt it ran fails.
    expect(await stuckDone).toMatchObject({ ok: false, error: { code: 'WORKER_CRASHED', message: expect.stringContaining('timed out') } });
    expect(await behindDone).toEqual({ ok: true, output: null });
    expect(log).toEqual([`started:${stuck.task}`, `finished:${stuck.task}`, `started:${behind.task}`, `finished:${behind.task}`]);
  });
});

describe('a thread terminated while it holds other modules', () => {
  const modules = new URL('../fixtures/modules/', import.meta.url).pathname;
  const busy = `${modules}busy-loop.ts`;
  const sleep = `${modules}sleep.ts`;

  /** A node of one thread with four slots, whose host tells `began` which attempts' functions ran. */
  function nodeWithBegun(began: string[]): LocalThreadNode {
    const node = new LocalThreadNode({
      threads: 1,
      tasksPerThread: 4,
      host: { ...host, log: (_level, message, _fields, attempt) => void (message === 'began' && began.push(attempt)) },
      clock: systemClock,
      onCapacity: () => {},
      abortGraceMs: 50,
    });
    nodes.push(node);
    return node;
  }

  test('what it reported started but whose function never ran goes to the next thread, not failed, reported started once', async () => {
    const began: string[] = [];
    const node = nodeWithBegun(began);
    // Both modules imported already, as on a long-lived dispatcher: each request reports its
    // start just before its function runs, in one message for all those of a thread turn.
    for (const parameters of [{ module: busy }, { module: sleep, ms: 0 }]) {
      expect(await run(node, request({ operation: 'module', ...parameters }), [])).toMatchObject({ ok: true });
    }
    const log: string[] = [];
    // In one turn, to the one thread: the loop's function runs first, and never yields.
    const stuck = request({ operation: 'module', module: busy, spin: true });
    const sleepers = [1, 2, 3].map(() => request({ operation: 'module', module: sleep, ms: 10, announce: true }));
    const stuckDone = run(node, stuck, log);
    const sleepersDone = sleepers.map((r) => run(node, r, log));
    await until(() => sleepers.every((r) => log.includes(`started:${r.task}`)));
    expect(began).toEqual([]);
    node.abort(attemptKey(stuck), 'timed out');
    expect(await stuckDone).toMatchObject({ ok: false, error: { code: 'WORKER_CRASHED', message: expect.stringContaining('timed out') } });
    for (const done of sleepersDone) expect(await done).toEqual({ ok: true, output: { slept: 10 } });
    // Their functions ran once, on the replacement thread; the node said `started` once each.
    expect(began.sort()).toEqual(sleepers.map(attemptKey).sort());
    for (const r of sleepers) expect(log.filter((l) => l === `started:${r.task}`)).toHaveLength(1);
    expect(node.attemptsHeld()).toBe(0);
  });

  test('one whose function had begun when the thread was terminated fails with WORKER_CRASHED', async () => {
    const began: string[] = [];
    const node = nodeWithBegun(began);
    expect(await run(node, request({ operation: 'module', module: busy }), [])).toMatchObject({ ok: true });
    const log: string[] = [];
    const sleeper = request({ operation: 'module', module: sleep, ms: 60_000, announce: true });
    const sleeperDone = run(node, sleeper, log);
    await until(() => began.includes(attemptKey(sleeper)));
    const stuck = request({ operation: 'module', module: busy, spin: true });
    const stuckDone = run(node, stuck, log);
    await until(() => log.includes(`started:${stuck.task}`));
    node.abort(attemptKey(stuck), 'timed out');
    expect(await stuckDone).toMatchObject({ ok: false, error: { code: 'WORKER_CRASHED' } });
    // It may have done part of its work: retried as a failed attempt, never run again silently.
    expect(await sleeperDone).toMatchObject({ ok: false, retryable: true, error: { code: 'WORKER_CRASHED', message: expect.stringContaining('timed out') } });
    expect(began).toEqual([attemptKey(sleeper)]);
  });

  test('the first import of a module does not count as its request having begun, should another request loop first', async () => {
    const began: string[] = [];
    const node = nodeWithBegun(began);
    // The loop's module imported already, sleep.ts not: each sleeper reports its start before
    // its import (a module's top level may never yield either), and the loop's function, whose
    // module the thread has, runs before sleep.ts is even evaluated. (With both new, which
    // import ends first is Bun's choice: sleepers whose function ran first fail, as above.)
    expect(await run(node, request({ operation: 'module', module: busy }), [])).toMatchObject({ ok: true });
    const log: string[] = [];
    const stuck = request({ operation: 'module', module: busy, spin: true });
    const sleepers = [1, 2, 3].map(() => request({ operation: 'module', module: sleep, ms: 10, announce: true }));
    const stuckDone = run(node, stuck, log);
    const sleepersDone = sleepers.map((r) => run(node, r, log));
    await until(() => log.includes(`started:${stuck.task}`));
    node.abort(attemptKey(stuck), 'timed out');
    expect(await stuckDone).toMatchObject({ ok: false, error: { code: 'WORKER_CRASHED' } });
    for (const done of sleepersDone) expect(await done).toEqual({ ok: true, output: { slept: 10 } });
    expect(began.sort()).toEqual(sleepers.map(attemptKey).sort());
    for (const r of sleepers) expect(log.filter((l) => l === `started:${r.task}`)).toHaveLength(1);
  });
});

describe('threads that cannot start', () => {
  test('after three lost in a row, the node fails what it is given, saying why, and its owner is told once', async () => {
    const broken: Error[] = [];
    const node = new LocalThreadNode({
      threads: 4,
      tasksPerThread: 2,
      host,
      clock: systemClock,
      onCapacity: () => {},
      onBroken: (error) => broken.push(error),
      threadEntry: new URL('../fixtures/threads/failing-thread-entry.ts', import.meta.url).href,
    });
    nodes.push(node);
    // An attempt sent to a thread that dies fails as a crash, to be retried; the retries come
    // back until the node gives up (it would otherwise start threads forever, and the run wait).
    let outcome = await run(node, request({ operation: 'noop' }), []);
    for (let attempts = 1; outcome.ok === false && outcome.retryable && attempts < 10; attempts++) {
      expect(outcome.error.message).toContain('this thread entry cannot load');
      outcome = await run(node, request({ operation: 'noop' }), []);
    }
    expect(outcome).toMatchObject({ ok: false, retryable: false, error: { code: 'WORKER_CRASHED' } });
    expect(outcome.ok === false && outcome.error.message).toContain('the worker threads stop as they start (tried 3 times): this thread entry cannot load');
    expect(broken).toHaveLength(1);
    // Given more, it answers at once, and offers no room.
    expect(await run(node, request({ operation: 'noop' }), [])).toMatchObject({ ok: false, retryable: false });
    expect(node.freeSlots()).toBe(0);
    expect(broken).toHaveLength(1);
  });
});
