import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import type { Manifest } from '../../src/manifest/types.ts';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, taskOf, waitFor, withTimeout, type Harness } from './helpers.ts';
import { DEAD_OWNER } from '../support/dead-owner.ts';

afterEach(stopHarnesses);

/**
 * A run whose process stopped while it was compensating (a saga after its failure, or
 * `swarm rollback`) is taken up by another dispatcher: the compensation goes on where it was —
 * the rollback that was running runs again with its symbol's output, the ones still to come run
 * newest first — and the run ends as that compensation would have ended. Before, the run taken
 * up was "resumed" as a run: its coordinator went back to running, the interrupted rollback got
 * `null` for its symbol's output, the rollbacks still to come never ran, and the run ended failed.
 */

const WAIT = join(FIXTURE_MODULES, 'wait-for-file.ts');
const ECHO = join(FIXTURE_MODULES, 'echo-context.ts');

/** A symbol whose output is `<name>-out`, undone by `rollback`. */
const undoable = (name: string, rollback: Record<string, unknown>, fields: Record<string, unknown> = {}) =>
  sym(name, { parameters: { operation: 'echo', message: `${name}-out` }, rollback: { name: `undo-${name}`, type: 'action', parameters: rollback }, ...fields });

/** a ← b ← c; b's rollback waits for `gate`, c's (which runs first) does as `cUndo` says. */
function undoChain(name: string, gate: string, cUndo: Record<string, unknown>, extra: Record<string, unknown>[] = [], fields: Partial<Manifest> = {}) {
  return manifest(
    name,
    [
      undoable('a', { operation: 'module', module: ECHO }),
      undoable('b', { operation: 'module', module: WAIT, path: gate }, { dependencies: ['a'] }),
      undoable('c', cUndo, { dependencies: ['b'] }),
      ...extra,
    ],
    fields,
  );
}

const coordinatorStates = (h: Harness, runId: string) => h.store.getTransitions(runId).filter((t) => t.actorKind === 'coordinator').map((t) => t.to);

/**
 * Waits until `first` is compensating b (its rollback waiting at the gate), hands the run's
 * lease to an owner that is gone (as its process dying would), and lets a second dispatcher
 * take it up; opens the gate; returns the second's result and the first's end.
 */
async function takeOverWhileUndoingB(first: Harness, runId: string, gate: string, firstEnded: Promise<unknown>) {
  await waitFor(() => first.store.getTask(runId, 'b')?.status === 'rolling_back', 'b to be rolling back');
  expect(coordinatorStates(first, runId).at(-1)).toBe('compensating');
  const second = makeHarness({ sharing: first });
  // Its host alive: another rollback is refused, saying to wait (a rollback is not cancelled).
  expect(() => second.dispatcher.rollback(runId)).toThrow(`Run ${runId} is running: it is rolling back already; wait for that to end (a rollback is not cancelled).`);
  const held = second.store.getRunLease(runId)!;
  second.store.claimRunLease(runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
  // Interrupted mid-compensation: a replay would reuse what the compensation left is about to
  // undo. Refused, saying to finish the rollback first.
  expect(() => second.dispatcher.replay(runId)).toThrow(
    `Run ${runId} was rolling back when its process stopped: its process is gone; take it up with \`swarm run --resume ${runId}\` (a dispatcher started on this database takes it up too), which finishes its rollbacks; replay it once it has.`,
  );
  const [resumed] = second.dispatcher.resumeOrphanedRuns();
  expect(resumed.runId).toBe(runId);
  writeFileSync(gate, '');
  const result = await withTimeout(resumed.result, 15_000, 'the compensation taken up');
  expect(await withTimeout(firstEnded, 10_000, 'the first host to let the run go')).toMatchObject({ code: 'RUN_FENCED' });
  return { second, result };
}

describe('a compensation whose process stopped is taken up and goes on', () => {
  test('swarm rollback: the interrupted rollback runs again with its output, the rest follow, the run ends rolled_back', async () => {
    const first = makeHarness({ leaseMs: 1_500 });
    const gate = join(first.dir, 'gate');
    const done = await first.run(undoChain('undo-by-hand', gate, { operation: 'noop' }));
    expect(done.status).toBe('succeeded');
    const rolling = first.dispatcher.rollback(done.runId);
    const firstEnded = rolling.finished.then(() => null, (err: unknown) => err);
    const { second, result } = await takeOverWhileUndoingB(first, done.runId, gate, firstEnded);

    expect(result.status).toBe('rolled_back');
    expect(result.completedTasks).toBe(3); // what had succeeded, as before the rollback
    for (const name of ['a', 'b', 'c']) expect(taskOf(result, name).status).toBe('rolled_back');
    // b's rollback was handed b's own output, and b keeps it; a's rollback ran after it.
    expect(taskOf(result, 'b')).toMatchObject({ output: 'b-out', rollbackOutput: { dependencies: { b: 'b-out', a: 'a-out' } } });
    expect(taskOf(result, 'b').node).not.toBeNull();
    expect(taskOf(result, 'a')).toMatchObject({ output: 'a-out', rollbackOutput: { dependencies: { a: 'a-out' } } });
    // The coordinator taken up went straight back to compensating, and c was not undone twice.
    const journal = second.store.getTransitions(done.runId);
    expect(coordinatorStates(second, done.runId).slice(-4)).toEqual(['compensating', 'idle', 'compensating', 'rolled_back']);
    expect(journal.filter((t) => t.event === 'task.compensate').map((t) => t.actorId)).toEqual(['task:c', 'task:b', 'task:b', 'task:a']);
    expect(second.store.getRun(done.runId)).toMatchObject({ status: 'rolled_back', completedTasks: 3 });
  });

  test('saga: a compensation taken up after one rollback failed ends rollback_failed; the failed symbol stays failed', async () => {
    const first = makeHarness({ leaseMs: 1_500 });
    const gate = join(first.dir, 'gate');
    const boom = sym('boom', { dependencies: ['c'], retries: 0, parameters: { operation: 'fail', message: 'no' } });
    const handle = first.deploy(undoChain('saga-taken-up', gate, { operation: 'fail', message: 'cannot undo c' }, [boom], { rollback_policy: 'saga' }));
    const firstEnded = handle.finished.then(() => null, (err: unknown) => err);
    const { result } = await takeOverWhileUndoingB(first, handle.runId, gate, firstEnded);

    expect(result.status).toBe('rollback_failed');
    expect(taskOf(result, 'c')).toMatchObject({ status: 'rollback_failed', rollbackError: { message: 'cannot undo c' } });
    expect(taskOf(result, 'b')).toMatchObject({ status: 'rolled_back', rollbackOutput: { dependencies: { b: 'b-out' } } });
    expect(taskOf(result, 'a').status).toBe('rolled_back');
    expect(taskOf(result, 'boom').status).toBe('failed');
  });

  test('saga: taken up with every rollback going well, the run ends failed (its own failure), not rolled_back', async () => {
    const first = makeHarness({ leaseMs: 1_500 });
    const gate = join(first.dir, 'gate');
    const boom = sym('boom', { dependencies: ['c'], retries: 0, parameters: { operation: 'fail', message: 'no' } });
    const handle = first.deploy(undoChain('saga-ok-undo', gate, { operation: 'noop' }, [boom], { rollback_policy: 'saga' }));
    const firstEnded = handle.finished.then(() => null, (err: unknown) => err);
    const { second, result } = await takeOverWhileUndoingB(first, handle.runId, gate, firstEnded);

    expect(result.status).toBe('failed');
    for (const name of ['a', 'b', 'c']) expect(taskOf(result, name).status).toBe('rolled_back');
    expect(coordinatorStates(second, handle.runId).slice(-4)).toEqual(['compensating', 'idle', 'compensating', 'failed']);
  });
});
