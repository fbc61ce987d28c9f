import { expect, test } from 'bun:test';
import type { AttemptRecord } from '../../src/attempt-history.ts';
import { formatDuration } from '../../src/cli/output.ts';
import { attemptsTable, compensationTable, runTaskTable } from '../../src/cli/tables.ts';
import type { RunOutcome } from '../../src/run-result.ts';

const T0 = Date.UTC(2026, 11, 6, 8, 0, 0);
const attempt = (n: number, startedAt: number, endedAt: number | null, result: AttemptRecord['result']): AttemptRecord => ({
  kind: 'run', attempt: n, node: 'local', readyAt: startedAt - 1, assignedAt: startedAt - 1, startedAt, endedAt, result, error: null,
});
const outcome: RunOutcome = {
  runId: 'r', name: 'w', status: 'succeeded', totalTasks: 2, completedTasks: 2, failedTasks: 0, replayOf: null, createdAt: T0, finishedAt: T0 + 9_000,
  statusCounts: { succeeded: 2 },
  tasks: ['again', 'first-try'].map((name) => ({
    name, status: 'succeeded', attempts: name === 'again' ? 2 : 1, output: 'ok', error: null, node: 'local',
    rollbackOutput: null, rollbackError: null, reused: false, startedAt: T0, finishedAt: T0 + 4_000,
  })),
};

test("a task whose first attempt a crash cut short (no end) shows the time to its last attempt's end, not a blank", () => {
  const attempts = new Map<string, AttemptRecord[]>([
    ['again', [attempt(1, T0, null, 'interrupted'), attempt(2, T0 + 3_000, T0 + 4_000, 'succeeded')]],
    ['first-try', [attempt(1, T0, T0 + 1_500, 'succeeded')]],
  ]);
  const table = runTaskTable(outcome, attempts);
  expect(table).toMatch(new RegExp(`│ again +│ succeeded +│ 2 +│ local +│ ${formatDuration(4_000)} `));
  expect(table).toMatch(new RegExp(`│ first-try +│ succeeded +│ 1 +│ local +│ ${formatDuration(1_500)} `));
  // Still running: no time yet.
  attempts.set('again', [attempt(1, T0, null, 'interrupted'), attempt(2, T0 + 3_000, null, 'running')]);
  expect(runTaskTable(outcome, attempts)).toMatch(/│ again +│ succeeded +│ 2 +│ local +│ +│/);
});

test('the rollbacks table lists them in the order they ran (a saga undoes newest first), not in the tasks\' order', () => {
  const rollback = (startedAt: number): AttemptRecord => ({ ...attempt(1, startedAt, startedAt + 100, 'rolled_back'), kind: 'rollback' });
  const attempts = new Map<string, AttemptRecord[]>([
    ['again', [attempt(1, T0, T0 + 10, 'succeeded'), rollback(T0 + 5_000)]],
    ['first-try', [attempt(1, T0, T0 + 10, 'succeeded'), rollback(T0 + 2_000)]],
  ]);
  const table = compensationTable(outcome.tasks, attempts, undefined, null)!;
  expect(table.indexOf('│ first-try')).toBeLessThan(table.indexOf('│ again'));
  expect(table.indexOf('│ first-try')).toBeGreaterThan(0);
});

test('an attempt held on its node before it started shows that wait too, not only the queue', () => {
  // Ready, assigned at once (held ahead on a node), started 8 s later when a slot freed.
  const held: AttemptRecord = {
    kind: 'run', attempt: 1, node: 'local', readyAt: T0, assignedAt: T0 + 2, startedAt: T0 + 8_002, endedAt: T0 + 16_002, result: 'succeeded', error: null,
  };
  const text = attemptsTable([held]);
  const row = text.split('\n').find((line) => line.includes('local'))!;
  expect(row).toContain(formatDuration(8_002));
  // Never started (cancelled while held): the queue wait alone.
  const never: AttemptRecord = { ...held, startedAt: null, endedAt: null, result: 'not_started' };
  expect(attemptsTable([never]).split('\n').find((line) => line.includes('local'))).toContain(formatDuration(2));
});

test('a task that never started has no run time, in show (by attempts) as in the run summary (by the task row)', () => {
  // timeout 1, retries 2: each attempt assigned, then timed out before it started (found from
  // outside: the run summary left it blank, show said 51 ms from the first assignment).
  const notStarted = (n: number, at: number): AttemptRecord => ({ ...attempt(n, at, at + 20, 'not_started'), startedAt: null });
  const failed: RunOutcome = {
    ...outcome, status: 'failed', totalTasks: 1, completedTasks: 0, failedTasks: 1, statusCounts: { failed: 1 },
    tasks: [{ ...outcome.tasks[0], name: 't', status: 'failed', attempts: 3, startedAt: null, finishedAt: T0 + 60 }],
  };
  const attempts = new Map([['t', [notStarted(1, T0), notStarted(2, T0 + 25), notStarted(3, T0 + 40)]]]);
  const blank = /│ t +│ failed +│ 3 +│ local +│ +│/;
  expect(runTaskTable(failed, attempts)).toMatch(blank);
  expect(runTaskTable(failed)).toMatch(blank);
  // One that started only at its second attempt is timed from that start, as the task row is.
  attempts.set('t', [notStarted(1, T0), attempt(2, T0 + 1_000, T0 + 3_000, 'failed')]);
  expect(runTaskTable(failed, attempts)).toMatch(new RegExp(`│ t +│ failed +│ 3 +│ local +│ ${formatDuration(2_000)} `));
});
