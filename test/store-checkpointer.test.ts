import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { NewTransition, StoreBatch } from '../src/store/types.ts';
import { waitFor } from './runtime/helpers.ts';

/** A busy store's WAL is checkpointed by a thread of its own (src/store/wal-checkpointer.ts). */

setDefaultTimeout(30_000);

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function storeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-checkpointer-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

function newRun(store: SqliteStore, id: string): void {
  store.createRun(
    { id, name: id, manifestSource: '', manifestFormat: 'yaml', manifest: {}, manifestPath: null, metadata: {}, totalTasks: 1, replayOf: null, createdAt: 1 },
    [{ runId: id, name: 't', priority: 0, dispatch: 'internal', dependencies: [] }],
  );
}

const rows = (runId: string, count: number, from: number): StoreBatch => ({
  transitions: Array.from({ length: count }, (_, i): NewTransition => ({
    runId, actorId: 'task:t', actorKind: 'task', from: 'ready', to: 'assigned', event: 'task.assign', payload: { n: from + i }, at: from + i,
  })),
  runs: [],
  tasks: [],
  nodes: [],
});

test('a store that committed enough rows checkpoints on a thread; every row is kept, and close stops it', async () => {
  const file = storeFile();
  const store = new SqliteStore(file, { startAfterRows: 2_000, minGapMs: 10 });
  newRun(store, 'r');
  store.commit(rows('r', 1_000, 0));
  expect(store.checkpointer!.running).toBe(false); // 1,001 rows: not yet
  store.commit(rows('r', 1_000, 1_000));
  expect(store.checkpointer!.running).toBe(true);

  // Commits go on while it checkpoints.
  for (let b = 2; b < 40; b++) {
    store.commit(rows('r', 1_000, b * 1_000));
    if (b % 8 === 0) await waitFor(() => store.checkpointer!.checkpoints >= b / 8, `checkpoint ${b / 8}`);
  }
  expect(store.checkpointer!.checkpoints).toBeGreaterThanOrEqual(4);
  // Nothing lost or doubled: the seqs run 1..40,000 in order, each payload once.
  const seqs = store.getTransitions('r', { limit: 100_000 }).map((t) => (t.payload as { n: number }).n);
  expect(seqs).toEqual(Array.from({ length: 40_000 }, (_, i) => i));

  store.close();
  expect(store.checkpointer!.running).toBe(false);
  // Another process opens it as it was; nothing waits in the WAL that the database lacks.
  const reopened = new SqliteStore(file);
  expect(reopened.counts().transitions).toBe(40_000);
  reopened.close();
});

test('the thread, not the commits, copies the WAL into the database file', async () => {
  const file = storeFile();
  const store = new SqliteStore(file, { startAfterRows: 1, minGapMs: 5 });
  newRun(store, 'r');
  expect(store.checkpointer!.running).toBe(true);
  const before = statSync(file).size;
  for (let b = 0; b < 30; b++) store.commit(rows('r', 2_000, b * 2_000));
  // 60,000 rows are ~2,000 pages of WAL: the commits' own checkpoint (at 40,000 pages once the
  // thread runs, 10,000 before) never ran, so only the thread can have grown the file.
  await waitFor(() => statSync(file).size > before + 4_000_000, 'the rows copied into the database file');
  expect(store.checkpointer!.checkpoints).toBeGreaterThan(0);
  store.close();
});

test('a store in memory has no WAL and no checkpointer', () => {
  const store = new SqliteStore(':memory:', { startAfterRows: 1, minGapMs: 1 });
  newRun(store, 'r');
  store.commit(rows('r', 10, 0));
  expect(store.checkpointer).toBeNull();
  store.close();
});
