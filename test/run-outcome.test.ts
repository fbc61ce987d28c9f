import { describe, expect, test } from 'bun:test';
import { outcomeOf, readRunOutcome, readRunResult, TASKS_LISTED } from '../src/run-result.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { TaskStatus } from '../src/store/types.ts';
import { newRun, newTask } from './store-conformance.ts';

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
  });
}
