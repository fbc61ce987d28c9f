import { describe, expect, test } from 'bun:test';
import { outcomeOf, readRunOutcome, readRunResult, TASKS_LISTED } from '../src/run-result.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { TaskStatus } from '../src/store/types.ts';
import { batch, newRun, newTask } from './store-conformance.ts';

/** What `swarm run` and `deploy` print of a run: read cheaply, the same as from the whole result. */

const STATUSES: TaskStatus[] = ['succeeded', 'succeeded', 'succeeded', 'failed', 'skipped', 'succeeded', 'cancelled'];

for (const [name, open] of [['SqliteStore', () => new SqliteStore(':memory:')], ['MemoryStore', () => new MemoryStore()]] as const) {
  describe(`readRunOutcome (${name})`, () => {
    test.each([10, TASKS_LISTED, TASKS_LISTED + 1, 1_000])('a run of %i tasks: as outcomeOf its whole result', (count) => {
      const store = open();
      const tasks = Array.from({ length: count }, (_, i) => newTask('r', `t${i}`, { status: STATUSES[i % STATUSES.length] }));
      store.createRun(newRun('r', { totalTasks: count }), tasks);
      const outcome = readRunOutcome(store, 'r')!;
      expect(outcome).toEqual(outcomeOf(readRunResult(store, 'r')!));
      const notSucceeded = tasks.filter((t) => t.status !== 'succeeded');
      const expected = count <= TASKS_LISTED ? tasks : notSucceeded.slice(0, TASKS_LISTED);
      expect(outcome.tasks.map((t) => t.name)).toEqual(expected.map((t) => t.name));
      expect(Object.values(outcome.statusCounts).reduce((a, b) => a + (b ?? 0), 0)).toBe(count);
      expect(readRunOutcome(store, 'nope')).toBeUndefined();
      store.close();
    });

    // A compensation takes symbols that succeeded to rolling_back/rolled_back/rollback_failed
    // (no error of their own) and failed ones too (keeping their error); the run still counts
    // the first as done and the second as failed, whether the outcome read its tasks whole or not.
    test.each([12, TASKS_LISTED + 12])('a run of %i tasks while it compensates: counted as its coordinator counts', (count) => {
      const store = open();
      const cycle: [TaskStatus, boolean][] = [
        ['succeeded', false], ['rolled_back', false], ['rolling_back', false], ['rollback_failed', false],
        ['rolled_back', true], ['rollback_failed', true], ['failed', true], ['skipped', false], ['pending', false], ['rolling_back', true],
      ];
      const tasks = Array.from({ length: count }, (_, i) => ({ name: `t${i}`, status: cycle[i % cycle.length][0], failed: cycle[i % cycle.length][1] }));
      store.createRun(newRun('r', { totalTasks: count }), tasks.map((t) => newTask('r', t.name, { status: t.status })));
      const error = { name: 'Error', code: 'E', message: 'boom' };
      store.commit(batch({ tasks: tasks.filter((t) => t.failed).map((t) => ({ runId: 'r', name: t.name, error })) }));
      const undone = tasks.filter((t) => !t.failed && ['rolled_back', 'rolling_back', 'rollback_failed'].includes(t.status)).length;
      const expected = {
        completedTasks: tasks.filter((t) => t.status === 'succeeded').length + undone,
        failedTasks: tasks.filter((t) => t.failed && t.status !== 'rolling_back').length,
      };
      expect(readRunOutcome(store, 'r')).toMatchObject(expected);
      expect(readRunResult(store, 'r')).toMatchObject(expected);
      store.close();
    });
  });
}
