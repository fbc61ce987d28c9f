import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { makeHarness, manifest, stopHarnesses, sym, taskOf, taskTransitions, warmUp, withTimeout } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);
afterEach(stopHarnesses);

describe('retries', () => {
  test('attempts are counted exactly: recovering, exhausted, and no retries', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('retries', [
        sym('recovers', { retries: 3, parameters: { operation: 'fail', times: 2, message: 'not yet' } }),
        sym('exhausted', { retries: 2, parameters: { operation: 'fail', message: 'always' } }),
        sym('once', { retries: 0, parameters: { operation: 'fail', message: 'no second chance' } }),
        sym('once-ok', { retries: 0, parameters: { operation: 'noop' } }),
      ]),
    );

    const recovers = taskOf(result, 'recovers');
    expect(recovers.status).toBe('succeeded');
    expect(recovers.attempts).toBe(3);
    expect(recovers.output).toEqual({ succeededOnAttempt: 3 });
    expect(recovers.error).toBeNull();

    const exhausted = taskOf(result, 'exhausted');
    expect(exhausted.status).toBe('failed');
    expect(exhausted.attempts).toBe(3);
    expect(exhausted.error).toMatchObject({ code: 'OPERATION_FAILED', message: 'always' });

    const once = taskOf(result, 'once');
    expect(once.status).toBe('failed');
    expect(once.attempts).toBe(1);
    expect(once.error?.message).toBe('no second chance');

    expect(taskOf(result, 'once-ok').attempts).toBe(1);
    expect(result.status).toBe('failed');
    expect(result.completedTasks).toBe(2);
    expect(result.failedTasks).toBe(2);

    // The journal agrees: one `running` per attempt, one `retrying` between attempts.
    const journal = h.store.getTransitions(result.runId);
    const count = (name: string, to: string) => taskTransitions(journal, name).filter((t) => t.to === to).length;
    expect([count('recovers', 'running'), count('recovers', 'retrying')]).toEqual([3, 2]);
    expect([count('exhausted', 'running'), count('exhausted', 'retrying')]).toEqual([3, 2]);
    expect([count('once', 'running'), count('once', 'retrying')]).toEqual([1, 0]);
  });

  test('a symbol without `retries` gets the default of 3 retries: 4 attempts', async () => {
    const h = makeHarness();
    const result = await h.run(manifest('default-retries', [sym('flaky', { parameters: { operation: 'fail' } })]));
    expect(taskOf(result, 'flaky').status).toBe('failed');
    expect(taskOf(result, 'flaky').attempts).toBe(4);
  });
});

describe('timeouts', () => {
  test('an attempt running past its timeout fails with TASK_TIMEOUT and is stopped', async () => {
    const h = makeHarness();
    // Threads booted first: a thread still starting can take longer than the 200 ms to begin
    // the attempt on a loaded machine, which is a timeout before the start (TASK_NOT_STARTED).
    await warmUp(h);
    const began = Date.now();
    const result = await withTimeout(
      h.run(
        manifest('timeout', [
          sym('slow', { timeout: 200, retries: 0, parameters: { operation: 'delay', ms: 5_000 } }),
          sym('after-slow', { dependencies: ['slow'], parameters: { operation: 'noop' } }),
        ]),
      ),
      10_000,
      'the timeout run',
    );
    const slow = taskOf(result, 'slow');
    expect(slow.status).toBe('failed');
    expect(slow.attempts).toBe(1);
    expect(slow.error?.code).toBe('TASK_TIMEOUT');
    expect(slow.error?.message).toContain('slow');
    expect(taskOf(result, 'after-slow').status).toBe('skipped');
    expect(result.status).toBe('failed');
    // Hang guard only: the 5 s delay must not have been waited out.
    expect(Date.now() - began).toBeLessThan(4_000);
    // The aborted attempt frees its slot, so the dispatcher can drain (hang guard).
    await withTimeout(h.dispatcher.stop(), 4_000, 'dispatcher.stop() after a timed-out attempt');
  });

  test('a timed-out attempt is retried, and each attempt times out on its own', async () => {
    const h = makeHarness();
    await warmUp(h); // as above: the timeouts are for attempts that have started
    const result = await h.run(
      manifest('timeout-retry', [sym('slow', { timeout: 100, retries: 1, parameters: { operation: 'delay', ms: 5_000 } })]),
    );
    const slow = taskOf(result, 'slow');
    expect(slow.status).toBe('failed');
    expect(slow.attempts).toBe(2);
    expect(slow.error?.code).toBe('TASK_TIMEOUT');
  });

  test('an attempt aborted before its thread picked it up is still stopped cooperatively: its thread-mate survives', async () => {
    // A fresh pool (threads still starting) and one thread, so both symbols go to it in one
    // message. `slow` times out after 1 ms, long before the thread has started it, so it fails
    // as never started. A `delay` honours its abort signal, so aborting it must not need the
    // hard kill (terminating the thread), which would also fail `mate`, an innocent attempt
    // on the same thread.
    const h = makeHarness({ localWorkers: 1 });
    const result = await h.run(
      manifest('early-abort', [
        sym('slow', { timeout: 1, retries: 0, parameters: { operation: 'delay', ms: 5_000 } }),
        sym('mate', { retries: 0, parameters: { operation: 'delay', ms: 3_000 } }),
      ]),
    );
    expect(taskOf(result, 'slow').error?.code).toBe('TASK_NOT_STARTED');
    const mate = taskOf(result, 'mate');
    expect({ status: mate.status, code: mate.error?.code ?? null }).toEqual({ status: 'succeeded', code: null });
    expect(result.tasks.some((t) => t.error?.code === 'WORKER_CRASHED')).toBe(false);
  });
});

describe('rollbacks', () => {
  test('a symbol failing for good runs its rollback → rolled_back with the rollback output', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('rollback', [
        sym('doomed', {
          retries: 1,
          parameters: { operation: 'fail', message: 'doomed' },
          rollback: { name: 'undo-doomed', type: 'action', parameters: { operation: 'echo', message: 'undone' } },
        }),
      ]),
    );
    const doomed = taskOf(result, 'doomed');
    expect(doomed.status).toBe('rolled_back');
    expect(doomed.attempts).toBe(2);
    expect(doomed.rollbackOutput).toBe('undone');
    expect(doomed.rollbackError).toBeNull();
    expect(doomed.error?.message).toBe('doomed');
    expect(result.status).toBe('failed');
    expect(result.failedTasks).toBe(1);
    const path = taskTransitions(h.store.getTransitions(result.runId), 'doomed').map((t) => t.to);
    expect(path.slice(-3)).toEqual(['failed', 'rolling_back', 'rolled_back']);
  });

  test('a rollback that fails itself → rollback_failed with the rollback error', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('rollback-fails', [
        sym('doomed', {
          retries: 0,
          parameters: { operation: 'fail', message: 'doomed' },
          rollback: { name: 'undo-doomed', type: 'action', parameters: { operation: 'fail', message: 'cannot undo' } },
        }),
      ]),
    );
    const doomed = taskOf(result, 'doomed');
    expect(doomed.status).toBe('rollback_failed');
    expect(doomed.rollbackError).toMatchObject({ message: 'cannot undo' });
    expect(doomed.rollbackOutput).toBeNull();
    expect(doomed.error?.message).toBe('doomed');
    expect(result.status).toBe('failed');
  });

  test('the rollback receives the failed symbol and its dependencies in `dependencies`, and the attempt it undoes', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('rollback-context', [
        sym('base', { parameters: { operation: 'echo', message: 'base output' } }),
        sym('doomed', {
          retries: 1,
          dependencies: ['base'],
          parameters: { operation: 'fail' },
          rollback: { name: 'undo', type: 'action', parameters: { operation: 'module', module: './echo-context.ts' } },
        }),
      ]),
    );
    const rollbackOutput = taskOf(result, 'doomed').rollbackOutput as Record<string, unknown>;
    expect(taskOf(result, 'doomed').status).toBe('rolled_back');
    expect(rollbackOutput.dependencies).toEqual({ base: 'base output', doomed: null });
    // As the README says: the symbol's last attempt (the one it undoes), under the rollback's own name.
    expect(rollbackOutput).toMatchObject({ attempt: 2, symbol: 'undo' });
  });

  test('rollback_policy none: plain failed, and no rollback ran', async () => {
    const h = makeHarness();
    const key = `runtime-test.rollback-none.${crypto.randomUUID()}`;
    const result = await h.run(
      manifest(
        'rollback-none',
        [
          sym('doomed', {
            retries: 0,
            parameters: { operation: 'fail', message: 'doomed' },
            // Were it run, this rollback would leave a mark in the state table.
            rollback: { name: 'undo', type: 'state', parameters: { operation: 'state.set', key, value: 'ran' } },
          }),
        ],
        { rollback_policy: 'none' },
      ),
    );
    const doomed = taskOf(result, 'doomed');
    expect(doomed.status).toBe('failed');
    expect(doomed.rollbackOutput).toBeNull();
    expect(doomed.rollbackError).toBeNull();
    const states = taskTransitions(h.store.getTransitions(result.runId), 'doomed').map((t) => t.to);
    expect(states).not.toContain('rolling_back');
    expect(h.store.stateGet(key)).toBeUndefined();
    expect(result.status).toBe('failed');
  });
});

describe('skip propagation', () => {
  test('a failure skips its dependents transitively, independent work succeeds, the run ends failed', async () => {
    const h = makeHarness();
    const result = await withTimeout(
      h.run(
        manifest('skips', [
          sym('C', { dependencies: ['B'], parameters: { operation: 'noop' } }),
          sym('B', { dependencies: ['A'], parameters: { operation: 'noop' } }),
          sym('A', { retries: 0, parameters: { operation: 'fail', message: 'A broke' } }),
          sym('D', { parameters: { operation: 'delay', ms: 50 } }),
          sym('E', { dependencies: ['D'], parameters: { operation: 'noop' } }),
        ]),
      ),
      10_000,
      'the run with skipped tasks',
    );
    expect(result.status).toBe('failed');
    expect(taskOf(result, 'A').status).toBe('failed');
    expect(taskOf(result, 'D').status).toBe('succeeded');
    expect(taskOf(result, 'E').status).toBe('succeeded');

    const b = taskOf(result, 'B');
    const c = taskOf(result, 'C');
    for (const skipped of [b, c]) {
      expect(skipped.status).toBe('skipped');
      expect(skipped.attempts).toBe(0);
      expect(skipped.error?.code).toBe('TASK_SKIPPED');
    }
    // Both name the symbol that failed, C too (its own dependency B was only skipped).
    expect(b.error?.message).toContain('"A"');
    expect(c.error?.message).toContain('"A"');
    expect(result.completedTasks).toBe(2);
    expect(result.failedTasks).toBe(1);

    // Skipped tasks never ran.
    const journal = h.store.getTransitions(result.runId);
    for (const name of ['B', 'C']) expect(taskTransitions(journal, name).map((t) => t.to)).toEqual(['pending', 'skipped']);
  });
});

describe('capabilities', () => {
  test('a symbol for a backend no node offers fails at once with NO_CAPABLE_NODE and is not retried', async () => {
    const h = makeHarness();
    const result = await withTimeout(
      h.run(
        manifest('no-php', [
          sym('php-thing', { dispatch: 'php_engine', retries: 3, parameters: { anything: 1 } }),
          sym('after-php', { dependencies: ['php-thing'], parameters: { operation: 'noop' } }),
          sym('internal-thing', { parameters: { operation: 'noop' } }),
        ]),
      ),
      10_000,
      'the run with an unservable symbol',
    );
    const php = taskOf(result, 'php-thing');
    expect(php.status).toBe('failed');
    expect(php.attempts).toBe(0);
    expect(php.error?.code).toBe('NO_CAPABLE_NODE');
    expect(php.error?.message).toContain('php_engine');
    expect(taskOf(result, 'after-php').status).toBe('skipped');
    expect(taskOf(result, 'internal-thing').status).toBe('succeeded');
    expect(result.status).toBe('failed');
    const states = taskTransitions(h.store.getTransitions(result.runId), 'php-thing').map((t) => t.to);
    expect(states).not.toContain('running');
    expect(states).not.toContain('retrying');
  });
});

describe('modules that cannot run', () => {
  test('a missing file, a syntax error or no such export fail with a message about the module, not the swarm', async () => {
    const h = makeHarness();
    const mod = (module: string, extra: Record<string, unknown> = {}) => ({ retries: 0, parameters: { operation: 'module', module, ...extra } });
    const result = await h.run(
      manifest('bad-modules', [
        sym('missing', mod('./no-such-module.ts')),
        sym('broken', mod('./syntax-error.mjs')),
        sym('no-export', mod('./echo-context.ts', { export: 'nothing' })),
        // Found as Bun finds them: no extension, and .js for a .ts file.
        sym('no-extension', mod('./echo-context')),
        sym('js-for-ts', mod('./echo-context.js')),
      ]),
    );
    expect(taskOf(result, 'no-extension').status).toBe('succeeded');
    expect(taskOf(result, 'js-for-ts').status).toBe('succeeded');
    const message = (name: string) => taskOf(result, name).error?.message ?? '';
    expect(message('missing')).toMatch(/^module \/\S+\/no-such-module\.ts does not exist \(parameters\.module is relative to the manifest's directory, \/\S+\); fix parameters\.module or create the file\.$/);
    expect(message('broken')).toMatch(/^module \/\S+\/syntax-error\.mjs could not be loaded: /);
    expect(message('no-export')).toContain('has no exported function "nothing"');
    for (const name of ['missing', 'broken', 'no-export']) {
      // The swarm's own files are not named (the loader said "imported from …/host-backed.ts").
      expect({ name, message: message(name) }).not.toMatchObject({ message: expect.stringContaining('actors/executor') });
      expect(taskOf(result, name).error?.code).toBe('OPERATION_FAILED');
    }
  });
});
