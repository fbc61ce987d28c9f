import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, taskOf, waitFor, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

/**
 * Rollbacks are not cut short by a cancel: a half-done undo is no safer than a finished one.
 * A symbol rolling back its own failure when its run is cancelled finishes its rollback (within
 * the rollback's timeout) and keeps its failure; before, the end of the grace period cancelled
 * it, and the symbol ended `cancelled`, its failure and its half-done undo hidden. A dispatcher
 * that stops does not wait for rollbacks past its grace: it leaves such a run unfinished, for
 * resume (which goes on compensating).
 */

const WAIT = join(FIXTURE_MODULES, 'wait-for-file.ts');

describe('a cancel and rollbacks', () => {
  test("a symbol rolling back its failure when the run is cancelled finishes its rollback and keeps its failure", async () => {
    const h = makeHarness({ shutdownGrace: 100 });
    const [undoGate, yGate] = [join(h.dir, 'undo'), join(h.dir, 'y')];
    const handle = h.deploy(
      manifest('cancel-during-undo', [
        sym('x', {
          retries: 0,
          parameters: { operation: 'fail', message: 'x fails' },
          rollback: { name: 'undo-x', type: 'action', parameters: { operation: 'module', module: WAIT, path: undoGate } },
        }),
        sym('y', { parameters: { operation: 'module', module: WAIT, path: yGate } }),
      ]),
    );
    await waitFor(() => h.store.getTask(handle.runId, 'x')?.status === 'rolling_back' && h.store.getTask(handle.runId, 'y')?.status === 'running', 'x rolling back, y running');
    handle.cancel('by request');
    // The grace is over once y (running, not rolling back) has been cancelled.
    await waitFor(() => h.store.getTask(handle.runId, 'y')?.status === 'cancelled', 'y to be cancelled at the end of the grace');
    expect(h.store.getTask(handle.runId, 'x')?.status).toBe('rolling_back');
    writeFileSync(undoGate, '');
    const result = await withTimeout(handle.result, 10_000, 'the run to end');
    expect(result.status).toBe('cancelled');
    expect(taskOf(result, 'x')).toMatchObject({ status: 'rolled_back', error: { message: 'x fails' }, rollbackOutput: { found: undoGate } });
    expect(taskOf(result, 'y')).toMatchObject({ status: 'cancelled', error: { code: 'TASK_CANCELLED' } });
  });

  test('a dispatcher stopping while a run rolls back leaves it unfinished after its grace, for resume', async () => {
    // The hint carries the config and database the dispatcher was started with, as every hint does.
    const h = makeHarness({ shutdownGrace: 100, commandLine: (words) => `swarm ${words.join(' ')} disp.toml --db state.db` });
    const gate = join(h.dir, 'never');
    const done = await h.run(
      manifest('stop-during-undo', [
        sym('a', { parameters: { operation: 'noop' }, rollback: { name: 'undo-a', type: 'action', parameters: { operation: 'module', module: WAIT, path: gate } } }),
      ]),
    );
    const rolling = h.dispatcher.rollback(done.runId);
    const ended = rolling.finished.then(() => null, (err: unknown) => err);
    await waitFor(() => h.store.getTask(done.runId, 'a')?.status === 'rolling_back', 'a to be rolling back');
    await withTimeout(h.dispatcher.stop(), 10_000, 'the dispatcher to stop');
    expect(await ended).toMatchObject({ name: 'RunLeftUnfinishedError', message: expect.stringContaining(`swarm run --resume ${done.runId} disp.toml --db state.db`) });
    const reader = makeHarness({ sharing: h });
    expect(reader.store.getRun(done.runId)?.status).toBe('running');
    expect(reader.store.getTask(done.runId, 'a')?.status).toBe('rolling_back');
  });
});
