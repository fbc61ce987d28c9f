import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readRecordedRun } from '../../actors/journal/simulation/recorded-run.ts';
import { reSimulate } from '../../actors/journal/simulation/re-simulate.ts';
import type { SwarmStore } from '../../src/store/types.ts';
import { makeHarness, manifest, runningOrder, stopHarnesses, sym, taskOf, waitFor, warmUp, withTimeout } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);
afterEach(stopHarnesses);

const statusOf = (store: SwarmStore, runId: string, name: string) => store.getTask(runId, name)?.status;
const enteredRunning = (store: SwarmStore, runId: string) => runningOrder(store.getTransitions(runId));

describe('cancel', () => {
  test('a run whose tasks all wait to retry, cancelled: the journal re-simulates', async () => {
    // The cancel settles both tasks inside the coordinator's own transition, so their rows come
    // before its row; the re-simulation once counted one of them there and then missed it in
    // the recorded burst that ended the run.
    const h = makeHarness({ backoffBase: 5_000, backoffMax: 5_000 });
    const failing = (name: string) => sym(name, { retries: 3, parameters: { operation: 'fail', message: 'no' } });
    const handle = h.deploy(manifest('retrying', [failing('f1'), failing('f2')]));
    await waitFor(() => handle.progress().live.retrying === 2, 'both tasks to wait for their retry');
    handle.cancel('bye');
    const result = await withTimeout(handle.result, 10_000, 'the cancelled run');
    expect(result.status).toBe('cancelled');
    expect(reSimulate(readRecordedRun(h.store, handle.runId)).divergence).toBeNull();
  });

  test('cancelling a run cancels what waits and stops what runs after the grace period', async () => {
    // One slot: `long` runs, the others wait behind it (queued or blocked on a dependency).
    const h = makeHarness({ localWorkers: 1, tasksPerThread: 1, shutdownGrace: 200 });
    const began = Date.now();
    const handle = h.deploy(
      manifest('cancel', [
        sym('long', { priority: 10, parameters: { operation: 'delay', ms: 10_000 } }),
        sym('queued-1', { parameters: { operation: 'noop' } }),
        sym('queued-2', { parameters: { operation: 'noop' } }),
        sym('after-long', { dependencies: ['long'], parameters: { operation: 'noop' } }),
        sym('after-after', { dependencies: ['after-long'], parameters: { operation: 'noop' } }),
      ]),
    );
    await waitFor(() => statusOf(h.store, handle.runId, 'long') === 'running', 'long to be running');
    handle.cancel('test');
    const result = await withTimeout(handle.result, 5_000, 'the cancelled run');

    expect(result.status).toBe('cancelled');
    for (const task of result.tasks) {
      expect({ name: task.name, status: task.status }).toEqual({ name: task.name, status: 'cancelled' });
      expect(task.error?.code).toBe('TASK_CANCELLED');
      expect(task.error?.message).toBe('test');
    }
    expect(taskOf(result, 'long').attempts).toBe(1);
    expect(taskOf(result, 'queued-1').attempts).toBe(0);
    expect(taskOf(result, 'after-long').attempts).toBe(0);
    expect(result.completedTasks).toBe(0);
    expect(h.store.getRun(handle.runId)!.status).toBe('cancelled');
    // Only `long` ever ran.
    expect(enteredRunning(h.store, handle.runId)).toEqual(['long']);
    // Hang guard: the 10 s delay was not waited out.
    expect(Date.now() - began).toBeLessThan(4_000);
    await withTimeout(h.dispatcher.stop(), 10_000, 'dispatcher.stop() after a cancel');
  });

  test('running attempts that finish within the grace period keep their result', async () => {
    const h = makeHarness({ localWorkers: 2, tasksPerThread: 1, shutdownGrace: 3_000 });
    // Threads already up, so `short` really runs well within the grace period.
    await warmUp(h);
    const handle = h.deploy(
      manifest('cancel-grace', [
        sym('short', { parameters: { operation: 'delay', ms: 100 } }),
        sym('long', { parameters: { operation: 'delay', ms: 10_000 } }),
        sym('waiting', { parameters: { operation: 'noop' } }),
      ]),
    );
    await waitFor(
      () => statusOf(h.store, handle.runId, 'short') === 'running' && statusOf(h.store, handle.runId, 'long') === 'running',
      'short and long to be running',
    );
    handle.cancel('enough');
    const result = await withTimeout(handle.result, 10_000, 'the cancelled run');
    expect(result.status).toBe('cancelled');
    expect(taskOf(result, 'short').status).toBe('succeeded');
    expect(taskOf(result, 'long').status).toBe('cancelled');
    expect(taskOf(result, 'waiting').status).toBe('cancelled');
    expect(taskOf(result, 'waiting').attempts).toBe(0);
  });

  test('stopping the dispatcher cancels its active runs', async () => {
    const h = makeHarness({ shutdownGrace: 100 });
    const handle = h.deploy(
      manifest('stop-cancels', [
        sym('long', { parameters: { operation: 'delay', ms: 10_000 } }),
        sym('after', { dependencies: ['long'], parameters: { operation: 'noop' } }),
      ]),
    );
    await waitFor(() => statusOf(h.store, handle.runId, 'long') === 'running', 'long to be running');
    await withTimeout(h.dispatcher.stop(), 10_000, 'dispatcher.stop() with an active run');
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(result.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect(() => h.deploy(manifest('too-late', [sym('x', { parameters: { operation: 'noop' } })]))).toThrow();
  });
});

describe('pause and resume', () => {
  test('a run paused right after deploy starts nothing until resumed', async () => {
    const h = makeHarness();
    const handle = h.deploy(
      manifest('pause-early', [
        sym('c', { dependencies: ['b'], parameters: { operation: 'noop' } }),
        sym('b', { dependencies: ['a'], parameters: { operation: 'noop' } }),
        sym('a', { parameters: { operation: 'noop' } }),
        sym('solo', { parameters: { operation: 'noop' } }),
      ]),
    );
    handle.pause();
    await waitFor(() => h.store.getRun(handle.runId)!.status === 'paused', 'the run to be recorded as paused');
    // Give the threads every chance to pick something up (a noop takes well under a millisecond).
    await Bun.sleep(300);
    expect(enteredRunning(h.store, handle.runId)).toEqual([]);
    expect(h.store.getTasks(handle.runId).every((t) => t.attempts === 0)).toBe(true);
    expect(h.store.getRun(handle.runId)!.status).toBe('paused');
    expect(handle.progress().settled).toBe(0);

    handle.resume();
    const result = await withTimeout(handle.result, 10_000, 'the resumed run');
    expect(result.status).toBe('succeeded');
    const order = enteredRunning(h.store, handle.runId);
    expect(order.filter((n) => n !== 'solo')).toEqual(['a', 'b', 'c']);
  });

  test('pausing mid-chain lets the running task finish but starts no dependent until resumed', async () => {
    const h = makeHarness();
    const handle = h.deploy(
      manifest('pause-mid', [
        sym('a', { parameters: { operation: 'delay', ms: 200 } }),
        sym('b', { dependencies: ['a'], parameters: { operation: 'echo', message: 'b' } }),
        sym('c', { dependencies: ['b'], parameters: { operation: 'noop' } }),
      ]),
    );
    await waitFor(() => statusOf(h.store, handle.runId, 'a') === 'running', 'a to be running');
    handle.pause();
    await waitFor(() => statusOf(h.store, handle.runId, 'a') === 'succeeded', 'a to succeed while paused', 10_000);
    // b became runnable while paused; it must stay unstarted.
    await Bun.sleep(300);
    expect(enteredRunning(h.store, handle.runId)).toEqual(['a']);
    expect(statusOf(h.store, handle.runId, 'b') ?? 'missing').toMatch(/^(pending|ready)$/);
    expect(statusOf(h.store, handle.runId, 'c')).toBe('pending');
    expect(h.store.getRun(handle.runId)!.status).toBe('paused');
    expect(handle.progress().settled).toBe(1);

    handle.resume();
    const result = await withTimeout(handle.result, 10_000, 'the resumed run');
    expect(result.status).toBe('succeeded');
    expect(enteredRunning(h.store, handle.runId)).toEqual(['a', 'b', 'c']);
  });

  test('a paused run can be cancelled', async () => {
    const h = makeHarness();
    const handle = h.deploy(
      manifest('pause-cancel', [
        sym('a', { parameters: { operation: 'noop' } }),
        sym('b', { dependencies: ['a'], parameters: { operation: 'noop' } }),
      ]),
    );
    handle.pause();
    handle.cancel('changed my mind');
    const result = await withTimeout(handle.result, 5_000, 'the paused, then cancelled run');
    expect(result.status).toBe('cancelled');
    expect(result.tasks.map((t) => [t.name, t.status, t.attempts])).toEqual([
      ['a', 'cancelled', 0],
      ['b', 'cancelled', 0],
    ]);
  });
});
