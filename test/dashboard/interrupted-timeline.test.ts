import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { runTimeline, TimelineFolds } from '../../src/dashboard/server/run-timeline.ts';
import type { RunTimeline, TimelineBar } from '../../src/dashboard/wire.ts';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout, type Harness } from '../runtime/helpers.ts';
import { DEAD_OWNER } from '../support/dead-owner.ts';

afterEach(stopHarnesses);

/**
 * The timeline of a run taken up after its process died: the attempt the dead process held has
 * no end in the journal (nothing was written as it died). It was drawn to "now", so a finished
 * run's timeline, its axis and its interrupted bars, went on growing for ever. Such an attempt
 * ends where the journal saw it cut short (the takeover), and a finished run's axis at its end.
 */

const WAIT = join(FIXTURE_MODULES, 'wait-for-file.ts');

/** Hands the run's lease to a dead owner (as its process dying would) and lets `second` take it up; opens the gate. */
async function takeOver(first: Harness, runId: string, gate: string, firstEnded: Promise<unknown>) {
  const second = makeHarness({ sharing: first });
  const held = second.store.getRunLease(runId)!;
  second.store.claimRunLease(runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
  const [resumed] = second.dispatcher.resumeOrphanedRuns();
  expect(resumed.runId).toBe(runId);
  writeFileSync(gate, '');
  await withTimeout(resumed.result, 15_000, 'the run taken up');
  expect(await withTimeout(firstEnded, 10_000, 'the first host to let the run go')).toMatchObject({ code: 'RUN_FENCED' });
  return second;
}

function timeline(h: Harness, runId: string): RunTimeline {
  return runTimeline(h.store, new TimelineFolds(), h.store.getRunListing(runId)!, null, new URLSearchParams());
}

const barsOf = (t: RunTimeline, task: string): TimelineBar[] => t.rows.find((r) => r.label === task)?.bars ?? [];

/** The run's finish and every bar ends by it: nothing is drawn to the reader's clock. */
function expectEndsAtFinish(h: Harness, runId: string, t: RunTimeline) {
  const finishedAt = h.store.getRunListing(runId)!.finishedAt!;
  expect(finishedAt).not.toBeNull();
  expect(t.t1).not.toBeNull();
  expect(t.t1!).toBeLessThanOrEqual(finishedAt);
  for (const row of t.rows) for (const b of row.bars) expect(b.endedAt).not.toBeNull();
}

describe('the timeline of a run taken up after its process died', () => {
  test('the interrupted attempt ends at the takeover, and the finished run at its end', async () => {
    const first = makeHarness({ leaseMs: 1_500 });
    const gate = join(first.dir, 'gate');
    const handle = first.deploy(
      manifest('taken-up', [sym('a', { parameters: { operation: 'noop' } }), sym('b', { dependencies: ['a'], parameters: { operation: 'module', module: WAIT, path: gate } })]),
    );
    const firstEnded = handle.finished.then(() => null, (err: unknown) => err);
    await waitFor(() => first.store.getTask(handle.runId, 'b')?.status === 'running', 'b to be running');
    const second = await takeOver(first, handle.runId, gate, firstEnded);

    const t = timeline(second, handle.runId);
    const [cut, again] = barsOf(t, 'b');
    expect([cut.result, again.result]).toEqual(['interrupted', 'succeeded']);
    // Cut short where the run was taken up: before the attempt that followed began.
    expect(cut.endedAt).not.toBeNull();
    expect(cut.endedAt!).toBeGreaterThanOrEqual(cut.startedAt!);
    expect(cut.endedAt!).toBeLessThanOrEqual(again.assignedAt!);
    expectEndsAtFinish(second, handle.runId, t);
  });

  test('a run interrupted and not yet taken up is not live: its open bar and axis end at its last row, not the clock', async () => {
    const first = makeHarness({ leaseMs: 1_500 });
    const gate = join(first.dir, 'gate');
    const handle = first.deploy(manifest('left', [sym('b', { parameters: { operation: 'module', module: WAIT, path: gate } })]));
    const firstEnded = handle.finished.then(() => null, (err: unknown) => err);
    await waitFor(() => first.store.getTask(handle.runId, 'b')?.status === 'running', 'b to be running');
    // Its process "dies": the lease goes to an owner that is not alive, and the host lets go.
    const reader = makeHarness({ sharing: first });
    const held = reader.store.getRunLease(handle.runId)!;
    reader.store.claimRunLease(handle.runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
    expect(await withTimeout(firstEnded, 10_000, 'the first host to let the run go')).toMatchObject({ code: 'RUN_FENCED' });
    const lastAt = Math.max(...reader.store.getTransitions(handle.runId).map((r) => r.at));
    const t = timeline(reader, handle.runId);
    expect(t.live).toBe(false);
    expect([t.now, t.t1]).toEqual([lastAt, lastAt]);
    expect(barsOf(t, 'b').map((b) => [b.result, b.endedAt])).toEqual([['running', null]]);
    writeFileSync(gate, '');
  });

  test('so does an interrupted saga rollback', async () => {
    const first = makeHarness({ leaseMs: 1_500 });
    const gate = join(first.dir, 'gate');
    const handle = first.deploy(
      manifest(
        'saga-taken-up',
        [
          sym('a', { parameters: { operation: 'noop' }, rollback: { name: 'undo-a', type: 'action', parameters: { operation: 'module', module: WAIT, path: gate } } }),
          sym('boom', { dependencies: ['a'], retries: 0, parameters: { operation: 'fail', message: 'no' } }),
        ],
        { rollback_policy: 'saga' },
      ),
    );
    const firstEnded = handle.finished.then(() => null, (err: unknown) => err);
    await waitFor(() => first.store.getTask(handle.runId, 'a')?.status === 'rolling_back', 'a to be rolling back');
    const second = await takeOver(first, handle.runId, gate, firstEnded);

    const t = timeline(second, handle.runId);
    const rollbacks = barsOf(t, 'a').filter((b) => b.kind === 'rollback');
    expect(rollbacks.map((b) => b.result)).toEqual(['interrupted', 'rolled_back']);
    expect(rollbacks[0].endedAt).not.toBeNull();
    expect(rollbacks[0].endedAt!).toBeLessThanOrEqual(rollbacks[1].startedAt!);
    expectEndsAtFinish(second, handle.runId, t);
  });
});
