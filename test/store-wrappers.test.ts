import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notifyOnCommit } from '../src/dashboard/server/commit-feed.ts';
import type { LiveHub } from '../src/dashboard/server/live-hub.ts';
import { observeSettledTasks, type SettledTask } from '../src/server/observed-store.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { BackgroundCommitResult, StoreBatch, SwarmStore } from '../src/store/types.ts';
import { batch, newRun, newTask, transition } from './store-conformance.ts';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fileStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-wrappers-'));
  dirs.push(dir);
  const store = new SqliteStore(join(dir, 'state.db'));
  stores.push(store);
  store.createRun(newRun('run-1', { totalTasks: 1 }), [newTask('run-1', 'a')]);
  return store;
}

/** Task a ran and succeeded: its final transition and its projection. */
const settled = (): StoreBatch =>
  batch({
    transitions: [transition('run-1', { actorId: 'task:a', from: 'running', to: 'succeeded' })],
    tasks: [{ runId: 'run-1', name: 'a', status: 'succeeded', startedAt: 1_000, finishedAt: 1_500 }],
  });

/** Both ways a batch reaches the store: here, and on its background thread. */
const ways: [string, (store: SwarmStore, b: StoreBatch) => void][] = [
  ['commit', (store, b) => store.commit(b)],
  [
    'commitInBackground',
    (store, b) => {
      let result: BackgroundCommitResult | undefined;
      store.commitInBackground!(b, (r) => (result = r));
      store.drainBackground!(30_000);
      expect(result?.ok).toBe(true);
    },
  ],
];

describe('the stores the dispatcher wraps see every commit, made here or in the background', () => {
  for (const [way, write] of ways) {
    test(`${way}: the metrics see a settled task once it is durable`, () => {
      const seen: SettledTask[] = [];
      const store = observeSettledTasks(fileStore(), (task) => seen.push(task));
      expect(store.backgroundCommits).toBe(true);
      write(store, settled());
      expect(seen.map((t) => [t.name, t.finishedAt - t.startedAt])).toEqual([['a', 500]]);
    });

    test(`${way}: the live feed is told of the run's new rows`, () => {
      const told: string[][] = [];
      const hub = { notify: (runIds: Iterable<string>) => told.push([...runIds]) } as unknown as LiveHub;
      const store = notifyOnCommit(fileStore(), () => hub);
      write(store, settled());
      expect(told).toEqual([['run-1']]);
    });
  }
});
