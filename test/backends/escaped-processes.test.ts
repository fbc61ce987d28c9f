import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackendProcess } from '../../actors/backends/process-runner.ts';
import { reapForeignZombies } from '../../actors/backends/stragglers.ts';
import type { ExecutionOutcome } from '../../src/execution.ts';
import { fixture, makeRequest, prepareFixtures, rustSpec, waitUntil } from './helpers.ts';

/**
 * Processes that leave the attempt's process group (setsid in a double fork) are ended with the
 * attempt, whether it succeeds, fails or times out: the one that keeps the attempt's
 * environment, and the one that clears it. Checked in /proc (Linux).
 */

let dir: string;
beforeAll(() => {
  prepareFixtures();
  dir = mkdtempSync(join(tmpdir(), 'swarm-escapees-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const escapees: number[] = [];
// Whatever a failing test left behind is killed here, so nothing leaks past the test.
afterEach(() => {
  for (const pid of escapees.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  reapForeignZombies();
});

/** Running, or a zombie: anything still in the process table. */
const inProcessTable = (pid: number) => existsSync(`/proc/${pid}`);

let runs = 0;
async function runEscaping(mode: 'succeed' | 'fail' | 'hang', timeout = 20_000) {
  const pidFile = join(dir, `escapees-${++runs}.pid`);
  const request = makeRequest({ parameters: { pidFile, mode }, timeout });
  const outcome = await runBackendProcess(rustSpec(fixture('escape-with-setsid')), request, new AbortController().signal, {
    killGraceMs: 200,
  });
  // Written before the stand-in ends (mv after both forks), so it is complete now.
  const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  escapees.push(...pids);
  return { outcome, pids };
}

async function expectAllGone(pids: number[]): Promise<void> {
  expect(pids).toHaveLength(2);
  // Reaped, not only killed: nothing of the attempt is left in the process table.
  expect(await waitUntil(() => pids.every((pid) => !inProcessTable(pid)), 5_000)).toBe(true);
}

describe.skipIf(!existsSync('/proc/self/stat'))('processes that escaped the group with setsid', () => {
  test('are ended after a success (and do not hold back the output)', async () => {
    const { outcome, pids } = await runEscaping('succeed');
    expect(outcome as ExecutionOutcome).toEqual({ ok: true, output: 'done' });
    await expectAllGone(pids);
  });

  test('are ended after a failure', async () => {
    const { outcome, pids } = await runEscaping('fail');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('BACKEND_FAILED');
    await expectAllGone(pids);
  });

  test('are ended after a timeout', async () => {
    const { outcome, pids } = await runEscaping('hang', 500);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('TASK_TIMEOUT');
    await expectAllGone(pids);
  });
});
