import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { readRunResult } from '../../src/run-result.ts';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

/**
 * A run's completedTasks counts the symbols that succeeded in the run, and failedTasks those
 * that failed: a compensation does not rewrite them (README), before, while and after it runs.
 * Before, a run read while it compensated (show --json, the API) was recounted from its tasks'
 * statuses: a compensated symbol left completedTasks and was counted failed (1 done, 2 failed
 * here), then the run ended with 3 done and 1 failed again.
 */
const WAIT = join(FIXTURE_MODULES, 'wait-for-file.ts');

describe('a run compensating keeps its counts', () => {
  test('saga: while b is being undone, and once the run has ended', async () => {
    const h = makeHarness();
    const gate = join(h.dir, 'gate');
    const undo = (name: string, parameters: Record<string, unknown> = { operation: 'noop' }) => ({ name: `undo-${name}`, type: 'action', parameters });
    const handle = h.deploy(
      manifest(
        'counts',
        [
          sym('a', { parameters: { operation: 'noop' }, rollback: undo('a') }),
          sym('b', { dependencies: ['a'], parameters: { operation: 'noop' }, rollback: undo('b', { operation: 'module', module: WAIT, path: gate }) }),
          sym('c', { dependencies: ['b'], parameters: { operation: 'noop' }, rollback: undo('c') }),
          sym('boom', { dependencies: ['c'], retries: 0, parameters: { operation: 'fail', message: 'boom' } }),
        ],
        { rollback_policy: 'saga' },
      ),
    );
    await waitFor(() => h.store.getTask(handle.runId, 'b')?.status === 'rolling_back', 'b to be rolling back');
    expect(h.store.getTask(handle.runId, 'c')?.status).toBe('rolled_back');
    const during = readRunResult(h.store, handle.runId)!;
    expect(during.status).toBe('running');
    expect({ completed: during.completedTasks, failed: during.failedTasks }).toEqual({ completed: 3, failed: 1 });
    writeFileSync(gate, '');
    const result = await withTimeout(handle.result, 15_000, 'the saga');
    expect(result.status).toBe('failed');
    expect({ completed: result.completedTasks, failed: result.failedTasks }).toEqual({ completed: 3, failed: 1 });
  });
});
