/**
 * A module that ignores its abort signal goes on after its attempt has ended (timed out or
 * cancelled). Its `state` and `log` helpers then refuse (ATTEMPT_ENDED), and nothing it does
 * lands: the state table keeps what the attempt wrote while it was live, and no log line is
 * written for the run.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogLines, makeHarness, manifest, stopHarnesses, sym, taskOf, waitFor, warmUp, withTimeout, type Harness } from './helpers.ts';

afterEach(stopHarnesses);

const lines = captureLogLines();

const MODULE = './outlive-attempt.ts';
// Long enough that the module's first import (transpiled on its thread) and its first state.set
// fit inside the attempt on a loaded machine; the tests wait for the timeout, not for a time.
const TIMEOUT_MS = 2_000;

interface Report {
  set: unknown;
  log: unknown;
  get: unknown;
}

async function reportOf(path: string): Promise<Report> {
  await waitFor(() => existsSync(path), `the module's report in ${path}`, 15_000);
  return JSON.parse(readFileSync(path, 'utf8')) as Report;
}

function expectRefused(h: Harness, key: string, report: Report): void {
  for (const call of [report.set, report.log, report.get]) {
    expect(call).toMatchObject({ name: 'AttemptEndedError', code: 'ATTEMPT_ENDED' });
    expect((call as { message: string }).message).toContain('Stop the module');
  }
  expect(h.store.stateGet(key)).toBe('during');
  expect(lines.filter((l) => String(l.msg).includes('after the end'))).toEqual([]);
}

describe('a module that outlives its attempt', () => {
  test('after a timeout, its state.set, log and state.get are refused with ATTEMPT_ENDED and change nothing', async () => {
    const h = makeHarness();
    await warmUp(h);
    const report = join(h.dir, 'report.json');
    const result = await withTimeout(
      h.run(manifest('timed-out', [sym('stubborn', { timeout: TIMEOUT_MS, retries: 0, parameters: { operation: 'module', module: MODULE, key: 'timed-out-key', report } })])),
      20_000,
      'the run',
    );
    expect(taskOf(result, 'stubborn').error?.code).toBe('TASK_TIMEOUT');
    expectRefused(h, 'timed-out-key', await reportOf(report));
    // The thread survived the refusals, the un-awaited one included.
    const next = await withTimeout(h.run(manifest('next', [sym('after', { parameters: { operation: 'echo', message: 'ok' } })])), 20_000, 'the next run');
    expect(taskOf(next, 'after')).toMatchObject({ status: 'succeeded', output: 'ok' });
  });

  test('after a cancel, the same', async () => {
    const h = makeHarness();
    const report = join(h.dir, 'report.json');
    const handle = h.deploy(manifest('cancelled', [sym('stubborn', { parameters: { operation: 'module', module: MODULE, key: 'cancelled-key', report } })]));
    await waitFor(() => h.store.stateGet('cancelled-key') === 'during', 'the attempt to write its key');
    handle.cancel('stopped by the test');
    expect((await withTimeout(handle.result, 20_000, 'the cancelled run')).status).toBe('cancelled');
    expectRefused(h, 'cancelled-key', await reportOf(report));
  });

  test('calls its thread makes before it has heard of the timeout are refused by the node', async () => {
    const h = makeHarness();
    await warmUp(h);
    const report = join(h.dir, 'report.json');
    const gate = join(h.dir, 'gate');
    const handle = h.deploy(
      manifest('spinning', [sym('stubborn', { timeout: TIMEOUT_MS, retries: 0, parameters: { operation: 'module', module: MODULE, key: 'spin-key', report, gate } })]),
    );
    await waitFor(() => h.store.getTask(handle.runId, 'stubborn')?.status === 'failed', 'the attempt to time out');
    writeFileSync(gate, '');
    const refused = await reportOf(report);
    expectRefused(h, 'spin-key', refused);
    // Its first call left before the thread read the abort: the node refused it, not the thread.
    expect((refused.set as { message: string }).message).toContain('has ended (it timed out or was cancelled)');
    expect((await withTimeout(handle.result, 20_000, 'the run')).status).toBe('failed');
  });
});
