import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import type { SwarmStore } from '../../src/store/types.ts';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, withTimeout, waitFor } from './helpers.ts';

afterEach(stopHarnesses);

/**
 * Rollbacks run newest first: in the reverse of the order the symbols succeeded (README), which
 * is a reverse dependency order too, since a dependent succeeds after its dependencies. Before,
 * they ran in a reverse topological order that ignored when each one had succeeded: `slow`,
 * which succeeded last, was undone last.
 */
const WAIT = join(FIXTURE_MODULES, 'wait-for-file.ts');
const undo = (name: string) => ({ name: `undo-${name}`, type: 'action', parameters: { operation: 'echo', message: `u-${name}` } });

/** slow (waits for `gate`), quick ← mid; the test opens the gate once mid has succeeded. */
function newest(gate: string, extra: Record<string, unknown>[], fields: Record<string, unknown> = {}) {
  return manifest(
    'newest',
    [
      sym('slow', { parameters: { operation: 'module', module: WAIT, path: gate }, rollback: undo('slow') }),
      sym('quick', { parameters: { operation: 'noop' }, rollback: undo('quick') }),
      sym('mid', { dependencies: ['quick'], parameters: { operation: 'noop' }, rollback: undo('mid') }),
      ...extra,
    ],
    fields,
  );
}

const compensated = (store: SwarmStore, runId: string) =>
  store
    .getTransitions(runId)
    .filter((t) => t.event === 'task.compensate')
    .map((t) => t.actorId.slice('task:'.length));
const succeededOrder = (store: SwarmStore, runId: string) =>
  store
    .getTransitions(runId)
    .filter((t) => t.actorKind === 'task' && t.to === 'succeeded')
    .map((t) => t.actorId.slice('task:'.length));

describe('compensations run newest first (reverse order of success)', () => {
  test('saga: the symbol that succeeded last is undone first', async () => {
    const h = makeHarness();
    const gate = join(h.dir, 'gate');
    const boom = sym('boom', { dependencies: ['slow'], retries: 0, parameters: { operation: 'fail', message: 'boom' } });
    const handle = h.deploy(newest(gate, [boom], { rollback_policy: 'saga' }));
    await waitFor(() => h.store.getTask(handle.runId, 'mid')?.status === 'succeeded', 'mid to succeed');
    writeFileSync(gate, '');
    const result = await withTimeout(handle.result, 15_000, 'the saga');
    expect(result.status).toBe('failed');
    expect(succeededOrder(h.store, result.runId)).toEqual(['quick', 'mid', 'slow']);
    expect(compensated(h.store, result.runId)).toEqual(['slow', 'mid', 'quick']);
  });

  test('swarm rollback of a stored run: the same order, read from its journal', async () => {
    const h = makeHarness();
    const gate = join(h.dir, 'gate');
    const handle = h.deploy(newest(gate, []));
    await waitFor(() => h.store.getTask(handle.runId, 'mid')?.status === 'succeeded', 'mid to succeed');
    writeFileSync(gate, '');
    expect((await withTimeout(handle.result, 15_000, 'the run')).status).toBe('succeeded');
    // Another dispatcher on the same database: it knows the run from the store alone.
    const later = makeHarness({ sharing: h });
    const rolled = await withTimeout(later.dispatcher.rollback(handle.runId).result, 15_000, 'the rollback');
    expect(rolled.status).toBe('rolled_back');
    expect(compensated(later.store, handle.runId)).toEqual(['slow', 'mid', 'quick']);
  });
});
