import { expect, test } from 'bun:test';
import { runTaskTable } from '../../src/cli/tables.ts';
import type { RunOutcome, TaskResult } from '../../src/run-result.ts';

/** A big run's outcome as readRunOutcome gives it: counts of all its tasks, at most 200 listed. */
function bigRun(total: number, failed: number): RunOutcome {
  const task = (i: number): TaskResult => ({
    name: `t${i}`, status: 'cancelled', attempts: 0, output: null, error: null, node: null,
    rollbackOutput: null, rollbackError: null, reused: false, startedAt: null, finishedAt: null,
  });
  return {
    runId: 'r', name: 'w', status: 'cancelled', totalTasks: total, completedTasks: total - failed, failedTasks: 0, replayOf: null,
    createdAt: 0, finishedAt: 1, statusCounts: { succeeded: total - failed, cancelled: failed },
    tasks: Array.from({ length: Math.min(failed, 200) }, (_, i) => task(i)),
  };
}

const leftOut = (total: number, failed: number) => runTaskTable(bigRun(total, failed), undefined, 'swarm show r --json').split('\n').at(-1);

test('the line under a big run\'s table reads right for every count of tasks that did not succeed', () => {
  expect(leftOut(10_000, 10_000)).toBe('(the first 200 of the 10000 tasks, none of which succeeded; swarm show r --json lists every task)');
  expect(leftOut(10_000, 5_000)).toBe('(the first 200 of the 5000 tasks that did not succeed, out of 10000; swarm show r --json lists every task)');
  expect(leftOut(10_000, 200)).toBe('(the 200 tasks of 10000 that did not succeed; swarm show r --json lists every task)');
  expect(leftOut(250, 3)).toBe('(the 3 tasks of 250 that did not succeed; swarm show r --json lists every task)');
  expect(leftOut(250, 1)).toBe('(the one task of 250 that did not succeed; swarm show r --json lists every task)');
  expect(leftOut(201, 201)).toBe('(the first 200 of the 201 tasks, none of which succeeded; swarm show r --json lists every task)');
});
