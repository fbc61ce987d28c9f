import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { QuickStreak } from '../../actors/quick-streak.ts';
import { makeHarness, manifest, runningOrder, stopHarnesses, sym, taskOf, waitFor, withTimeout } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);
afterEach(stopHarnesses);

describe('scheduling', () => {
  test('a node running a task shows that slot taken, even while it may hold work ahead', async () => {
    const h = makeHarness({ localWorkers: 2, tasksPerThread: 4 });
    const handle = h.deploy(manifest('long', [sym('long', { parameters: { operation: 'delay', ms: 10_000 } })]));
    await waitFor(() => h.store.getTask(handle.runId, 'long')?.status === 'running', 'long to run');
    // Quick requests in a row beside it: the node may now hold several times its slots (quick-streak.ts).
    const quick = await h.run(manifest('quick', Array.from({ length: 3 * QuickStreak.QUICK_BEFORE_HOLDING }, (_, i) => sym(`q${i}`, { parameters: { operation: 'noop' } }))));
    expect(quick.status).toBe('succeeded');
    const local = () => h.dispatcher.nodeLoads().find((n) => n.id === 'local')!;
    // Before, the slots left to hand out (capped at the capacity) stood for the free ones: idle.
    expect(local()).toMatchObject({ capacity: 8, freeSlots: 7 });
    handle.cancel('seen');
    await withTimeout(handle.finished, 10_000, 'the cancelled run');
    await waitFor(() => local().freeSlots === 8, 'the slot to free');
  });

  test('with one slot, ready symbols enter running highest priority first, retries included', async () => {
    // One thread, one task per thread: exactly one attempt at a time.
    const h = makeHarness({ localWorkers: 1, tasksPerThread: 1, random: () => 0.5 });
    const slow = (ms: number) => ({ operation: 'delay', ms });
    const result = await h.run(
      manifest('priorities', [
        // Manifest order deliberately unrelated to priority.
        sym('p1', { priority: 1, parameters: slow(10) }),
        sym('p5', { priority: 5, parameters: slow(300) }),
        sym('p-3', { priority: -3, parameters: slow(10) }),
        // Fails its first attempt; its retry (backoff ≤ 20 ms) comes due while p5 still runs,
        // and must then go before everything of lower priority still queued.
        sym('p9-flaky', { priority: 9, retries: 1, parameters: { operation: 'fail', times: 1 } }),
        sym('p10', { priority: 10, parameters: slow(10) }),
        sym('p3', { priority: 3, parameters: slow(10) }),
      ]),
    );

    expect(result.status).toBe('succeeded');
    expect(taskOf(result, 'p9-flaky').attempts).toBe(2);
    const order = runningOrder(h.store.getTransitions(result.runId));
    expect(order).toEqual(['p10', 'p9-flaky', 'p5', 'p9-flaky', 'p3', 'p1', 'p-3']);
    // First entries alone: strictly by priority.
    expect([...new Set(order)]).toEqual(['p10', 'p9-flaky', 'p5', 'p3', 'p1', 'p-3']);
  });

  test('with priority_queue_enabled = false, one slot runs symbols first come first served', async () => {
    const h = makeHarness({ localWorkers: 1, tasksPerThread: 1, priorityQueue: false });
    const result = await h.run(
      manifest('fifo', [
        sym('a', { priority: 1, parameters: { operation: 'noop' } }),
        sym('b', { priority: 10, parameters: { operation: 'noop' } }),
        sym('c', { priority: 5, parameters: { operation: 'noop' } }),
      ]),
    );
    expect(result.status).toBe('succeeded');
    expect(runningOrder(h.store.getTransitions(result.runId))).toEqual(['a', 'b', 'c']);
  });

  test('with tasks_per_thread 1, attempts running at the same time run on different threads', async () => {
    // Two threads, one task each: two CPU-bound symbols that become ready together must run
    // in parallel, one per thread (swarm-config.toml: tasks_per_thread is "how many tasks one
    // local worker thread runs at once"; keep it at 1-2 for CPU-bound tasks).
    const h = makeHarness({ localWorkers: 2, tasksPerThread: 1 });
    const cpu = { operation: 'module', module: './thread-id.ts', spinMs: 150 };
    const result = await h.run(manifest('cpu-bound', [sym('cpu-1', { parameters: cpu }), sym('cpu-2', { parameters: cpu })]));
    expect(result.status).toBe('succeeded');
    const threadOf = (name: string) => (taskOf(result, name).output as { threadId: number }).threadId;
    expect(threadOf('cpu-1')).not.toBe(threadOf('cpu-2'));
  });

  test('a 3,000-task fan-out succeeds while holding only a frontier of live actors', async () => {
    const h = makeHarness({ localWorkers: 2 });
    const slots = h.config.dispatcher.local_workers * h.config.dispatcher.tasks_per_thread;
    const total = 3_000;
    const symbols = Array.from({ length: total }, (_, i) => sym(`t${i}`, { parameters: { operation: 'noop' } }));
    const handle = h.deploy(manifest('fan-out', symbols));

    let done = false;
    const samples: { live: number; settled: number }[] = [];
    const sampling = (async () => {
      while (!done) {
        const p = handle.progress();
        const live = Object.values(p.live).reduce((a, b) => a + b, 0);
        samples.push({ live, settled: p.settled });
        await new Promise((r) => setImmediate(r));
      }
    })();
    const result = await handle.result;
    done = true;
    await sampling;

    expect(result.status).toBe('succeeded');
    expect(result.totalTasks).toBe(total);
    expect(result.completedTasks).toBe(total);
    expect(result.tasks.every((t) => t.status === 'succeeded' && t.attempts === 1)).toBe(true);

    // Samples taken while the run was in progress (not before it started, not after it ended).
    const during = samples.filter((s) => s.settled > 0 && s.settled < total);
    expect(during.length).toBeGreaterThanOrEqual(3);
    // Ready actors are capped at slots + 64 (READY_MARGIN); assigned/running ones at what the
    // threads may hold (several times the slots while noops are quick, see quick-streak.ts);
    // a few more may be terminal and waiting to be dropped.
    const bound = slots + 64 + slots * QuickStreak.HELD_PER_SLOT + 8;
    const maxLive = Math.max(...samples.map((s) => s.live));
    expect(maxLive).toBeGreaterThan(0);
    expect(maxLive).toBeLessThanOrEqual(bound);
    expect(handle.progress().live).toEqual({});
  }, 60_000);

  test('a root failure over 6,000 dependents skips them a chunk at a time, never all alive at once', async () => {
    const h = makeHarness({ localWorkers: 1 });
    const total = 6_000;
    const symbols = [
      sym('root', { retries: 0, parameters: { operation: 'fail' } }),
      ...Array.from({ length: total }, (_, i) => sym(`d${i}`, { dependencies: ['root'], parameters: { operation: 'noop' } })),
    ];
    const handle = h.deploy(manifest('wide-skip', symbols));
    let done = false;
    let maxLive = 0;
    const settledSeen: number[] = [];
    const sampling = (async () => {
      while (!done) {
        const p = handle.progress();
        maxLive = Math.max(maxLive, Object.values(p.live).reduce((a, b) => a + b, 0));
        settledSeen.push(p.settled);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const result = await handle.result;
    done = true;
    await sampling;
    expect(result.status).toBe('failed');
    expect(result.tasks.filter((t) => t.status === 'skipped')).toHaveLength(total);
    // One chunk (1,000) settles per event-loop turn, so samples between turns see the skips
    // part done (all at once would show only 1 and then total + 1), and never more alive.
    expect(settledSeen.some((n) => n > 1 && n < total + 1)).toBe(true);
    expect(maxLive).toBeLessThanOrEqual(1_000 + 64);
  }, 60_000);
});
