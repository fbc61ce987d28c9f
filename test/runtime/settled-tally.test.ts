import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SettledTally, TALLY_MAX } from '../../actors/settled-tally.ts';
import type { SettledTask } from '../../src/messages.ts';
import { makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout } from './helpers.ts';

setDefaultTimeout(30_000);
afterEach(stopHarnesses);

const done = (task: string): SettledTask => ({ task, status: 'succeeded' });

describe('SettledTally', () => {
  test('tells at once when nothing is live (the run may be ending), in settlement order', () => {
    const told: SettledTask[][] = [];
    const tally = new SettledTally((s) => told.push(s));
    tally.add([done('a')], false);
    tally.add([done('b'), done('c')], false);
    expect(told).toEqual([]);
    expect(tally.size).toBe(3);
    tally.add([done('d')], true);
    expect(told).toEqual([[done('a'), done('b'), done('c'), done('d')]]);
    expect(tally.size).toBe(0);
    tally.stop();
  });

  test(`tells once ${TALLY_MAX} wait, so a journaled burst stays small`, () => {
    const told: SettledTask[][] = [];
    const tally = new SettledTally((s) => told.push(s));
    for (let i = 0; i < TALLY_MAX - 1; i++) tally.add([done(`t${i}`)], false);
    expect(told).toEqual([]);
    tally.add([done('last')], false);
    expect(told.map((s) => s.length)).toEqual([TALLY_MAX]);
    tally.stop();
  });

  test('tells what waits a moment later when nothing else makes it', async () => {
    const told: SettledTask[][] = [];
    const tally = new SettledTally((s) => told.push(s));
    tally.add([done('a')], false);
    await waitFor(() => told.length === 1, 'the delayed tell');
    expect(told).toEqual([[done('a')]]);
    expect(tally.size).toBe(0);
  });

  test('flush tells now and a stopped tally tells nothing, then or later', async () => {
    const told: SettledTask[][] = [];
    const tally = new SettledTally((s) => told.push(s));
    tally.flush();
    expect(told).toEqual([]);
    tally.add([done('a')], false);
    tally.flush();
    expect(told).toEqual([[done('a')]]);
    tally.add([done('b')], false);
    tally.stop();
    expect(tally.size).toBe(0);
    // A task settling after the run was given up (a queued microtask) reaches no coordinator.
    tally.add([done('c')], true);
    tally.add([done('d')], false);
    tally.flush();
    const other = new SettledTally(() => {});
    other.add([done('x')], false);
    await waitFor(() => other.size === 0, 'a timer of the same delay, started later, to fire');
    expect(told).toEqual([[done('a')]]);
  });
});

describe('a run counts its settled tasks while others run', () => {
  test('the stored run row and the progress count a task that settled beside a long one', async () => {
    const h = makeHarness({ localWorkers: 2, tasksPerThread: 1 });
    const handle = h.deploy(
      manifest('tally', [
        sym('quick', { parameters: { operation: 'noop' } }),
        sym('long', { parameters: { operation: 'delay', ms: 10_000 } }),
      ]),
    );
    await waitFor(() => h.store.getTask(handle.runId, 'quick')?.status === 'succeeded', 'quick to succeed');
    // `long` is still live, so the count comes from the tally's timer, not from the run ending.
    await waitFor(() => h.store.getRun(handle.runId)?.completedTasks === 1, 'the run row to count quick');
    expect(h.store.getTask(handle.runId, 'long')?.status).toBe('running');
    expect(handle.progress().settled).toBe(1);
    handle.cancel('done looking');
    const result = await withTimeout(handle.result, 10_000, 'the cancelled run');
    expect(result.status).toBe('cancelled');
    expect(result.completedTasks).toBe(1);
  });
});
