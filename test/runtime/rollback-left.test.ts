import { afterEach, describe, expect, test } from 'bun:test';
import { makeHarness, manifest, stopHarnesses, sym } from './helpers.ts';

afterEach(stopHarnesses);

/**
 * What `swarm rollback` says of a run's symbols it does not undo. Before, a saga run whose
 * compensation had undone every symbol was refused with "none of its symbols succeeded": three
 * had, and were rolled back already. A symbol whose own failure was rolled back was not named.
 */
const undo = (name: string, parameters: Record<string, unknown> = { operation: 'noop' }) => ({ name: `undo-${name}`, type: 'action', parameters });

describe('swarm rollback says why it leaves a symbol as it is', () => {
  test('a saga run already compensated: its symbols were rolled back already', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest(
        'saga-done',
        [
          sym('a', { parameters: { operation: 'noop' }, rollback: undo('a') }),
          sym('b', { dependencies: ['a'], parameters: { operation: 'noop' }, rollback: undo('b') }),
          sym('boom', { dependencies: ['b'], retries: 0, parameters: { operation: 'fail', message: 'boom' } }),
        ],
        { rollback_policy: 'saga' },
      ),
    );
    expect(result.status).toBe('failed');
    expect(() => h.dispatcher.rollback(result.runId)).toThrow(`Run ${result.runId} has nothing to roll back: "a", "b": rolled back already.`);
  });

  test('a symbol whose own failure was rolled back (or whose rollback failed then) is named with what happened', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('own-failures', [
        sym('x', { retries: 0, parameters: { operation: 'fail', message: 'x' }, rollback: undo('x') }),
        sym('y', { retries: 0, parameters: { operation: 'fail', message: 'y' }, rollback: undo('y', { operation: 'fail', message: 'no' }) }),
      ]),
    );
    expect(result.status).toBe('failed');
    expect(() => h.dispatcher.rollback(result.runId)).toThrow(
      `Run ${result.runId} has nothing to roll back: "x": it failed, and its own rollback ran then; "y": it failed, and its own rollback failed: undo what it did by hand (\`swarm show ${result.runId}\` has its error).`,
    );
  });
});
