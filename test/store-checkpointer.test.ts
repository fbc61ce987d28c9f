import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
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
    // An actor each: one table row each, as the checkpoint sizes below assume (one actor's
    // transitions in a row would share table rows, merged-transitions.ts).
    runId, actorId: `task:t${from + i}`, actorKind: 'task', from: 'ready', to: 'assigned', event: 'task.assign', payload: { n: from + i }, at: from + i,
  })),
  runs: [],
  tasks: [],
  nodes: [],
});

const walSize = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

test('a store that committed enough rows checkpoints on a thread; every row is kept, and close folds the WAL in', async () => {
  const file = storeFile();
  const store = new SqliteStore(file, { startAfterRows: 2_000, minGapMs: 10 });
  newRun(store, 'r');
  store.commit(rows('r', 1_000, 0));
  expect(store.checkpointer!.state).toBe('waiting'); // 1,001 rows: not yet
  store.commit(rows('r', 1_000, 1_000));
  expect(store.checkpointer!.state).toBe('running');

  // Commits go on while it checkpoints.
  for (let b = 2; b < 40; b++) {
    store.commit(rows('r', 1_000, b * 1_000));
    if (b % 8 === 0) await waitFor(() => store.checkpointer!.checkpoints.done >= b / 8, `checkpoint ${b / 8}`);
  }
  // Nothing lost or doubled: the rows in order, each payload once.
  const seqs = store.getTransitions('r', { limit: 100_000 }).map((t) => (t.payload as { n: number }).n);
  expect(seqs).toEqual(Array.from({ length: 40_000 }, (_, i) => i));

  store.close();
  expect(store.checkpointer!.state).toBe('stopped');
  // Both connections closed, the thread's first: the last one folded the WAL in and removed it.
  expect(existsSync(`${file}-wal`)).toBe(false);
  const reopened = new SqliteStore(file);
  expect(reopened.counts().transitions).toBe(40_000);
  reopened.close();
});

test('the thread, not the commits, copies the WAL into the database file', async () => {
  const file = storeFile();
  const store = new SqliteStore(file, { startAfterRows: 1, minGapMs: 5 });
  newRun(store, 'r');
  expect(store.checkpointer!.state).toBe('running');
  const before = statSync(file).size;
  for (let b = 0; b < 30; b++) store.commit(rows('r', 2_000, b * 2_000));
  // 60,000 rows are ~2,000 pages of WAL: the commits' own checkpoint (at 40,000 pages once the
  // thread runs, 10,000 before) never ran, so only the thread can have grown the file.
  // The file grows while a checkpoint copies, and the thread counts it done after: wait for both.
  await waitFor(() => statSync(file).size > before + 4_000_000 && store.checkpointer!.checkpoints.done > 0, 'the rows copied into the database file');
  store.close();
});

test('under steady commits, the thread has the WAL start over: it stays small', async () => {
  const file = storeFile();
  const store = new SqliteStore(file, { startAfterRows: 1, minGapMs: 1, restartAtPages: 200 });
  newRun(store, 'r');
  await waitFor(() => store.checkpointer!.checkpoints.done > 0, 'the thread started');
  // Commits a millisecond apart, as group commits come: they land during the thread's PASSIVE
  // checkpoints and leave frames uncopied, and a WAL starts over only when a commit finds every
  // frame copied. Without the thread's RESTART past 200 pages, its file grew by 13-17 MB here
  // (of ~45 MB written); with it, by under 1 MB. (A WAL that starts over is written from its
  // beginning again: its file stops growing.)
  const start = walSize(file);
  let largest = start;
  for (let b = 0; b < 600 || store.checkpointer!.checkpoints.restarted < 3; b++) {
    store.commit(rows('r', 500, b * 500));
    largest = Math.max(largest, walSize(file));
    await Bun.sleep(1);
    if (b > 3_000) throw new Error('no RESTART checkpoint after 3,000 commits');
  }
  expect(store.checkpointer!.checkpoints.restarted).toBeGreaterThanOrEqual(3);
  expect(largest - start).toBeLessThan(5_000_000);
  store.close();
});

test('the thread is told of commits once per checkpoint, not once per commit, and checkpoints what comes after', async () => {
  const file = storeFile();
  // A minute between checkpoints: after the first, none runs while the test goes on.
  const store = new SqliteStore(file, { startAfterRows: 1, minGapMs: 60_000 });
  newRun(store, 'r');
  await waitFor(() => store.checkpointer!.checkpoints.done === 1, 'the first checkpoint');
  expect(store.checkpointer!.messagesSent).toBe(1);
  // Two hundred commits: one message, which sets the next checkpoint a minute after the first.
  for (let b = 0; b < 200; b++) store.commit(rows('r', 1, b));
  expect(store.checkpointer!.messagesSent).toBe(2);
  store.close();

  // And with a short gap, commits after a checkpoint are told and checkpointed in turn.
  const quick = new SqliteStore(storeFile(), { startAfterRows: 1, minGapMs: 1 });
  newRun(quick, 'r');
  for (let round = 1; round <= 3; round++) {
    await waitFor(() => quick.checkpointer!.checkpoints.done >= round, `checkpoint ${round}`);
    for (let b = 0; b < 50; b++) quick.commit(rows('r', 1, round * 100 + b));
  }
  // One message per checkpoint begun (one may still be running, not counted done yet), and one
  // for the next: not one per each of the 150 commits.
  expect(quick.checkpointer!.messagesSent).toBeLessThanOrEqual(quick.checkpointer!.checkpoints.done + 2);
  quick.close();
});

test('a thread that cannot open the file is given up on: commits go on, none is started again, close does not wait', async () => {
  const file = storeFile();
  const store = new SqliteStore(file, { startAfterRows: 1_000, minGapMs: 1 });
  newRun(store, 'r');
  // The main connection keeps the unlinked file; the thread, opening it by name, finds none.
  unlinkSync(file);
  store.commit(rows('r', 1_000, 0));
  await waitFor(() => store.checkpointer!.state === 'lost', 'the thread given up on');
  expect(store.checkpointer!.checkpoints).toEqual({ done: 0, restarted: 0, failed: 1 }); // its open
  for (let b = 1; b < 5; b++) store.commit(rows('r', 1_000, b * 1_000));
  expect(store.checkpointer!.state).toBe('lost');
  expect(store.counts().transitions).toBe(5_000);
  store.close();
});

test('a store in memory has no WAL and no checkpointer', () => {
  const store = new SqliteStore(':memory:', { startAfterRows: 1, minGapMs: 1 });
  newRun(store, 'r');
  store.commit(rows('r', 10, 0));
  expect(store.checkpointer).toBeNull();
  store.close();
});
