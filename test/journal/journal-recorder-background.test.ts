import { describe, expect, test } from 'bun:test';
import { BACKGROUND_MIN_ROWS, JournalRecorder, type DurableWaiter } from '../../actors/journal/journal-recorder.ts';
import { projectNothing } from '../../actors/journal/projections.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { BackgroundCommitResult, StoreBatch } from '../../src/store/types.ts';
import { newRun, newTask } from '../store-conformance.ts';

const RUN = 'run-1';

/**
 * A store whose background commits land when the test says (as a SQLite store's thread's do,
 * later and in order), written to a MemoryStore underneath.
 */
class LaterStore extends MemoryStore {
  readonly backgroundCommits = true;
  readonly given: { batch: StoreBatch; done: (result: BackgroundCommitResult) => void }[] = [];
  refusing: Error | null = null;
  resumed = 0;
  syncCommits = 0;

  override commit(batch: StoreBatch) {
    this.syncCommits++;
    return super.commit(batch);
  }

  commitInBackground(batch: StoreBatch, done: (result: BackgroundCommitResult) => void): void {
    this.given.push({ batch: structuredClone(batch), done });
  }

  /** Lands (or, while refusing, refuses) the oldest commit given. */
  land(): void {
    const { batch, done } = this.given.shift()!;
    if (this.refusing) return done({ ok: false, error: this.refusing, earlier: false });
    done({ ok: true, outcome: super.commit(batch) });
  }

  drainBackground(): void {
    while (this.given.length > 0) this.land();
  }

  resumeBackground(): void {
    this.resumed++;
  }

  /** The `at` of every row written, in journal order. */
  get ats(): number[] {
    return this.getTransitions(RUN).map((t) => t.at);
  }
}

function setup() {
  const store = new LaterStore();
  store.createRun(newRun(RUN, { totalTasks: 1 }), [newTask(RUN, 'a')]);
  let at = 0;
  const recorder = new JournalRecorder({ store, now: () => at, groupCommitMs: 60_000 });
  const tag = recorder.track({ actorId: 'task:a', kind: 'task', runId: RUN, project: projectNothing });
  /** Records n rows, each a state change of task:a, numbered by its time. */
  const record = (n: number) => {
    for (let i = 0; i < n; i++) {
      at++;
      recorder.recordSnapshot(tag, { value: `s${at}` }, { type: 'step' });
    }
  };
  const log: string[] = [];
  const waiter = (name: string): DurableWaiter => ({ durable: () => log.push(`durable ${name}`), refused: () => log.push(`refused ${name}`) });
  const errors: unknown[] = [];
  recorder.onError((err) => errors.push(err));
  const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  return { store, recorder, record, waiter, log, errors, upTo };
}

describe('the journal recorder with a store that commits in the background', () => {
  test(`${BACKGROUND_MIN_ROWS} rows or more go to the background: the waiter is told when they land, not before`, () => {
    const { store, recorder, record, waiter, log, upTo } = setup();
    record(BACKGROUND_MIN_ROWS);
    recorder.flushThen(waiter('a'));
    expect(store.given).toHaveLength(1);
    expect(log).toEqual([]);
    expect(store.ats).toEqual([]);
    store.land();
    expect(log).toEqual(['durable a']);
    expect(store.ats).toEqual(upTo(BACKGROUND_MIN_ROWS));
  });

  test('fewer, with nothing in flight, are committed here and durable before flushThen returns', () => {
    const { store, recorder, record, waiter, log } = setup();
    record(3);
    recorder.flushThen(waiter('a'));
    expect(store.given).toHaveLength(0);
    expect(log).toEqual(['durable a']);
    expect(store.ats).toEqual([1, 2, 3]);
  });

  test('while a commit is in flight even a small one goes after it, so the journal keeps its order', () => {
    const { store, recorder, record, waiter, log, upTo } = setup();
    record(BACKGROUND_MIN_ROWS);
    recorder.flushThen(waiter('a'));
    record(2);
    recorder.flushThen(waiter('b'));
    expect(store.given).toHaveLength(2);
    expect(store.syncCommits).toBe(0);
    store.land();
    store.land();
    expect(log).toEqual(['durable a', 'durable b']);
    expect(store.ats).toEqual(upTo(BACKGROUND_MIN_ROWS + 2));
  });

  test('two commits in flight at most: what comes meanwhile waits and goes in one commit when one lands', () => {
    const { store, recorder, record, waiter, log, upTo } = setup();
    for (const name of ['a', 'b', 'c', 'd']) {
      record(BACKGROUND_MIN_ROWS);
      recorder.flushThen(waiter(name));
    }
    expect(store.given).toHaveLength(2);
    store.land();
    // c and d's rows went together.
    expect(store.given).toHaveLength(2);
    expect(store.given[1].batch.transitions).toHaveLength(2 * BACKGROUND_MIN_ROWS);
    store.land();
    store.land();
    expect(log).toEqual(['durable a', 'durable b', 'durable c', 'durable d']);
    expect(store.ats).toEqual(upTo(4 * BACKGROUND_MIN_ROWS));
  });

  test('flush() waits for what is in flight, then commits the rest: all durable when it returns', () => {
    const { store, recorder, record, waiter, log, upTo } = setup();
    record(BACKGROUND_MIN_ROWS);
    recorder.flushThen(waiter('a'));
    record(5);
    recorder.flush();
    expect(log).toEqual(['durable a']);
    expect(store.given).toHaveLength(0);
    expect(store.ats).toEqual(upTo(BACKGROUND_MIN_ROWS + 5));
  });

  test('a refused commit: its waiters and those of rows not yet sent are told, the error reported once; retry sends it again first', () => {
    const { store, recorder, record, waiter, log, errors, upTo } = setup();
    for (const name of ['a', 'b', 'c']) {
      record(BACKGROUND_MIN_ROWS);
      recorder.flushThen(waiter(name));
    }
    store.refusing = new Error('disk full');
    store.land();
    expect(log).toEqual(['refused a', 'refused c']);
    expect(errors).toEqual([store.refusing]);
    expect(() => recorder.flush()).toThrow('disk full');
    expect(() => recorder.flushThen(waiter('d'))).toThrow('disk full');
    // b was in flight: the thread refuses it too (it writes nothing after a refusal).
    store.land();
    expect(log).toEqual(['refused a', 'refused c', 'refused b']);
    expect(errors).toHaveLength(1);

    store.refusing = null;
    recorder.retry();
    expect(store.resumed).toBe(1);
    expect(recorder.error).toBeNull();
    // a, then b, then c's rows (never sent), in the order they were recorded.
    expect(store.ats).toEqual(upTo(3 * BACKGROUND_MIN_ROWS));
  });
});

describe('the journal recorder when the store cannot take a background commit', () => {
  test('the batch is kept as a refused one, its waiter told, and retry writes it first', () => {
    const { store, recorder, record, waiter, log, upTo } = setup();
    const given = store.commitInBackground.bind(store);
    store.commitInBackground = () => {
      throw new Error('store closed');
    };
    record(BACKGROUND_MIN_ROWS);
    expect(() => recorder.flushThen(waiter('a'))).toThrow('store closed');
    expect(log).toEqual(['refused a']);
    expect((recorder.error as Error).message).toBe('store closed');
    store.commitInBackground = given;
    record(1);
    recorder.retry();
    expect(store.ats).toEqual(upTo(BACKGROUND_MIN_ROWS + 1));
  });

  test('retry does not go on while a commit is still on its way (it could land after what is sent again)', () => {
    const { store, recorder, record, waiter } = setup();
    record(BACKGROUND_MIN_ROWS);
    recorder.flushThen(waiter('a'));
    record(BACKGROUND_MIN_ROWS);
    recorder.flushThen(waiter('b'));
    store.refusing = new Error('disk full');
    store.land();
    // b stays with the thread, unanswered, however long the drain waits.
    store.drainBackground = () => {};
    store.refusing = null;
    expect(() => recorder.retry()).toThrow('did not land');
    expect(store.ats).toEqual([]);
  });
});

