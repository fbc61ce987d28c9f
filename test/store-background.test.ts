import { afterEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmError } from '../src/errors.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { BackgroundCommitResult, StoreBatch } from '../src/store/types.ts';
import { batch, newRun, newTask, transition } from './store-conformance.ts';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(): { store: SqliteStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-background-'));
  dirs.push(dir);
  const file = join(dir, 'state.db');
  const store = new SqliteStore(file);
  stores.push(store);
  store.createRun(newRun('run-1', { totalTasks: 1 }), [newTask('run-1', 'a')]);
  return { store, file };
}

/** Batch i: two transitions of task a (numbered by `at`) and its projection. */
function numbered(i: number, runId = 'run-1'): StoreBatch {
  return batch({
    transitions: [transition(runId, { actorId: 'task:a', at: 2 * i }), transition(runId, { actorId: 'task:b', at: 2 * i + 1 })],
    tasks: runId === 'run-1' ? [{ runId, name: 'a', status: 'running', attempts: i }] : [],
  });
}

/** Rows of the file as another connection reads them: what is durable. */
function durableAts(file: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .query<{ at: number; earlier: string | null }, []>('SELECT at, earlier FROM transitions ORDER BY seq')
      .all()
      .flatMap((r) => [...(r.earlier ? (JSON.parse(r.earlier) as unknown[][]).map(() => -1) : []), r.at])
      .filter((at) => at >= 0);
  } finally {
    db.close();
  }
}

describe('SqliteStore: commits on its background thread', () => {
  test('land in the order given, durable (seen by another connection) when done is called', async () => {
    const { store, file } = openStore();
    expect(store.backgroundCommits).toBe(true);
    const results: BackgroundCommitResult[] = [];
    const seenAtDone: number[] = [];
    const all = new Promise<void>((resolve) => {
      for (let i = 0; i < 5; i++) {
        store.commitInBackground(numbered(i), (result) => {
          results.push(result);
          seenAtDone.push(durableAts(file).length);
          if (results.length === 5) resolve();
        });
      }
    });
    await all;
    expect(results.every((r) => r.ok)).toBe(true);
    // Each done saw its own batch's two rows, and those before, on disk (maybe later ones too).
    seenAtDone.forEach((rows, i) => expect(rows).toBeGreaterThanOrEqual(2 * (i + 1)));
    expect(store.getTransitions('run-1').map((t) => t.at)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(store.getTask('run-1', 'a')?.attempts).toBe(4);
  });

  test('drainBackground blocks until every commit given has landed and its done has run', () => {
    const { store, file } = openStore();
    let done = 0;
    for (let i = 0; i < 20; i++) store.commitInBackground(numbered(i), () => done++);
    store.drainBackground(30_000);
    expect(done).toBe(20);
    expect(durableAts(file)).toHaveLength(40);
  });

  test('a refused commit says why; those after it are not written until resumeBackground', () => {
    const { store } = openStore();
    const results: BackgroundCommitResult[] = [];
    store.commitInBackground(numbered(0), (r) => results.push(r));
    store.commitInBackground(numbered(1, 'no-such-run'), (r) => results.push(r));
    store.commitInBackground(numbered(2), (r) => results.push(r));
    store.drainBackground(30_000);
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    const refused = results[1] as Extract<BackgroundCommitResult, { ok: false }>;
    expect(refused.earlier).toBe(false);
    // Rebuilt on this side with what callers read: the class of error and its code.
    expect(refused.error).toBeInstanceOf(SwarmError);
    expect((refused.error as SwarmError).code).toBe('RUN_NOT_FOUND');
    expect((results[2] as Extract<BackgroundCommitResult, { ok: false }>).earlier).toBe(true);
    expect(store.getTransitions('run-1').map((t) => t.at)).toEqual([0, 1]);

    store.resumeBackground();
    store.commitInBackground(numbered(2), (r) => results.push(r));
    store.drainBackground(30_000);
    expect(results.at(-1)?.ok).toBe(true);
    expect(store.getTransitions('run-1').map((t) => t.at)).toEqual([0, 1, 4, 5]);
  });

  test('close lands what is on its way first', () => {
    const { store, file } = openStore();
    for (let i = 0; i < 10; i++) store.commitInBackground(numbered(i), () => {});
    store.close();
    expect(durableAts(file)).toHaveLength(20);
  });

  test('a database in memory has no background writer', () => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    expect(store.backgroundCommits).toBe(false);
  });

  test("waits for another connection's long write lock instead of refusing (the owner recording a big run)", async () => {
    const { store, file } = openStore();
    const other = new Database(file);
    other.run('BEGIN IMMEDIATE');
    const result = new Promise<BackgroundCommitResult>((resolve) => store.commitInBackground(numbered(0), resolve));
    // Longer than a connection's usual busy_timeout (5 s): before, the thread's commit failed here.
    await Bun.sleep(5_500);
    other.run('COMMIT');
    other.close();
    expect((await result).ok).toBe(true);
    expect(durableAts(file)).toHaveLength(2);
  }, 30_000);

  test('a thread that dies fails what it held; commits then stay on the store’s own connection', async () => {
    const { store, file } = openStore();
    // The thread waits for this lock with a commit in hand when it dies.
    const other = new Database(file);
    other.run('BEGIN IMMEDIATE');
    const held = new Promise<BackgroundCommitResult>((resolve) => store.commitInBackground(numbered(0), resolve));
    // What a crash of the thread does, by hand.
    await (store as unknown as { background: { worker: { terminate(): Promise<number> } } }).background.worker.terminate();
    const result = await held;
    other.run('ROLLBACK');
    other.close();
    expect(result.ok).toBe(false);
    expect(store.backgroundCommits).toBe(false);
    store.commit(numbered(1));
    expect(store.getTransitions('run-1').map((t) => t.at)).toEqual([2, 3]);
  });

  test('a batch JSON cannot write is refused at once, and nothing is given to the thread', () => {
    const { store } = openStore();
    const bad = numbered(0);
    bad.transitions[0].payload = { big: 1n };
    let called = false;
    expect(() => store.commitInBackground(bad, () => (called = true))).toThrow();
    store.drainBackground(30_000);
    expect(called).toBe(false);
  });
});
