import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { makeHarness, manifest, stopHarnesses, sym, taskOf, taskTransitions } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);
afterEach(stopHarnesses);

const crash = (how: 'exit' | 'throw', extra: Record<string, unknown> = {}) => ({
  operation: 'module',
  module: './crash-thread.ts',
  how,
  ...extra,
});

describe.each(['exit', 'throw'] as const)('a task that kills its worker thread (%s)', (how) => {
  test('fails that attempt with WORKER_CRASHED, is retried, and the pool recovers', async () => {
    const h = makeHarness({ localWorkers: 2 });
    const result = await h.run(
      manifest(`crash-${how}`, [
        sym('crash-once', { retries: 1, parameters: crash(how, { crashUntilAttempt: 1 }) }),
        sym('crash-always', { retries: 0, parameters: crash(how) }),
        sym('after-crash', { dependencies: ['crash-once'], parameters: { operation: 'echo', message: 'after' } }),
        // Independent work; whatever shared the dying thread's batch is retried (default 3).
        ...Array.from({ length: 6 }, (_, i) => sym(`side-${i}`, { parameters: { operation: 'delay', ms: 20 } })),
      ]),
    );

    const once = taskOf(result, 'crash-once');
    expect(once.status).toBe('succeeded');
    expect(once.attempts).toBe(2);
    expect(once.output).toEqual({ survivedAttempt: 2 });
    // Attempt 1's failure, as the journal recorded it.
    const firstFailure = taskTransitions(h.store.getTransitions(result.runId), 'crash-once').find(
      (t) => t.from === 'running' && t.to === 'failed',
    );
    expect(firstFailure?.payload).toMatchObject({ attempt: 1, error: { code: 'WORKER_CRASHED' } });

    const always = taskOf(result, 'crash-always');
    expect(always.status).toBe('failed');
    expect(always.attempts).toBe(1);
    expect(always.error?.code).toBe('WORKER_CRASHED');

    expect(taskOf(result, 'after-crash').status).toBe('succeeded');
    expect(taskOf(result, 'after-crash').output).toBe('after');
    for (let i = 0; i < 6; i++) expect(taskOf(result, `side-${i}`).status).toBe('succeeded');
    expect(result.status).toBe('failed');
    expect(result.completedTasks).toBe(8);
    expect(result.failedTasks).toBe(1);

    // The pool is whole again: a second run uses every slot and nothing crashes.
    const slots = h.config.dispatcher.local_workers * h.config.dispatcher.tasks_per_thread;
    const again = await h.run(
      manifest(
        'after-the-crash',
        Array.from({ length: slots * 2 }, (_, i) => sym(`t${i}`, { retries: 0, parameters: { operation: 'delay', ms: 30 } })),
      ),
    );
    expect(again.status).toBe('succeeded');
    expect(again.tasks.every((t) => t.attempts === 1)).toBe(true);
  });
});

describe('a task stuck in a busy loop', () => {
  test('times out as TASK_TIMEOUT (it did start), and the work that waited on its thread is not failed for it', async () => {
    // One thread, so everything goes to the thread the loop takes over.
    const h = makeHarness({ localWorkers: 1 });
    const module = { operation: 'module', module: './busy-loop.ts' };
    // Imported once, as a long-lived dispatcher would have: the stuck call then begins in the
    // very turn its attempt starts.
    expect((await h.run(manifest('import-first', [sym('warm', { parameters: module })]))).status).toBe('succeeded');
    const result = await h.run(
      manifest('busy-loop', [
        sym('stuck', { timeout: 1_000, retries: 0, parameters: { ...module, spin: true } }),
        ...Array.from({ length: 6 }, (_, i) => sym(`side-${i}`, { retries: 0, parameters: { operation: 'noop' } })),
      ]),
    );
    const stuck = taskOf(result, 'stuck');
    expect({ status: stuck.status, code: stuck.error?.code }).toEqual({ status: 'failed', code: 'TASK_TIMEOUT' });
    for (let i = 0; i < 6; i++) expect({ side: i, status: taskOf(result, `side-${i}`).status }).toEqual({ side: i, status: 'succeeded' });
    expect(result.failedTasks).toBe(1);
  });
});

describe('a busy loop on a thread that shares it with other modules', () => {
  test("the modules that had not begun when its thread was terminated run on another thread: not failed, one attempt each", async () => {
    // The outside tester's run: two threads of four slots, so the loop's thread also gets three
    // of the six sleepers. sleep.ts is imported for the first time, so each sleeper reports its
    // start before its import. The loop's module is imported on both threads first (two at once,
    // one each), so its function runs before any sleeper's import has ended. (With both
    // modules new, which import ends first is Bun's choice: a sleeper whose function ran before
    // the loop really was running when its thread was terminated, and fails, as it should.)
    const h = makeHarness({ localWorkers: 2 });
    const warm = { operation: 'module', module: './busy-loop.ts', spinMs: 100 };
    expect((await h.run(manifest('import-first', [sym('warm-a', { parameters: warm }), sym('warm-b', { parameters: warm })]))).status).toBe('succeeded');
    const result = await h.run(
      manifest('busy-neighbours', [
        sym('spinner', { timeout: 500, retries: 0, parameters: { operation: 'module', module: './busy-loop.ts', spin: true } }),
        ...Array.from({ length: 6 }, (_, i) =>
          sym(`innocent${i + 1}`, { timeout: 10_000, retries: 0, parameters: { operation: 'module', module: './sleep.ts', ms: 1_500 } }),
        ),
      ]),
    );
    const spinner = taskOf(result, 'spinner');
    expect({ status: spinner.status, code: spinner.error?.code }).toEqual({ status: 'failed', code: 'TASK_TIMEOUT' });
    for (let i = 1; i <= 6; i++) {
      const t = taskOf(result, `innocent${i}`);
      expect({ name: t.name, status: t.status, attempts: t.attempts, error: t.error }).toEqual({
        name: `innocent${i}`,
        status: 'succeeded',
        attempts: 1,
        error: null,
      });
    }
    expect(result.failedTasks).toBe(1);
  });
});
