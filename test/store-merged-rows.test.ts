import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmError } from '../src/errors.ts';
import { SqliteStore } from '../src/store/index.ts';
import { JournalTail, readActorsJournal, readFileJournal, readRunJournal, readRunProgress } from '../src/store/bulk-journal-reader.ts';
import { READ_CHUNK } from '../src/store/stored-rows.ts';
import { MAX_TRANSITIONS_PER_ROW } from '../src/store/merged-transitions.ts';
import type { NewTransition, TransitionRecord } from '../src/store/types.ts';
import { databaseAtVersion } from './support/older-database.ts';
import { batch, newRun, newTask, transition } from './store-conformance.ts';

// The SQLite journal keeps an actor's transitions that come one after another in one commit as
// one table row (src/store/merged-transitions.ts). The conformance suite checks getTransitions
// reads them back like every other store; these check the table itself and the readers that
// bypass getTransitions.

const dir = mkdtempSync(join(tmpdir(), 'swarm-merged-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempDbPath = (): string => join(dir, `store-${files++}.db`);

function tableRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ n: number }, []>('SELECT count(*) AS n FROM transitions').get()!.n;
  } finally {
    db.close();
  }
}

/** A task's life as the runtime journals it: activated (3 transitions), then started and ended. */
function taskLife(runId: string, name: string, at: number): { activated: NewTransition[]; reported: NewTransition[] } {
  const t = (from: string | null, to: string, event: string, payload: unknown = null) =>
    transition(runId, { actorId: `task:${name}`, from, to, event, payload, at });
  return {
    activated: [t(null, 'pending', 'xstate.init'), t('pending', 'ready', 'task.depsMet'), t('ready', 'assigned', 'task.assign', { node: 'local' })],
    reported: [t('assigned', 'running', 'task.started', { attempt: 1 }), t('running', 'succeeded', 'task.succeeded', { output: `out ${name}` })],
  };
}

describe('SQLite journal rows that hold several transitions', () => {
  test("a task's bursts are one table row each; every reader sees each transition, with dense seqs", () => {
    const path = tempDbPath();
    const store = new SqliteStore(path);
    try {
      const names = ['a', 'b', 'c'];
      store.createRun(newRun('r1'), names.map((n) => newTask('r1', n)));
      const lives = names.map((n, i) => taskLife('r1', n, 100 + i));
      store.commit(batch({ transitions: lives.flatMap((l) => l.activated) }));
      store.commit(batch({ transitions: lives.flatMap((l) => l.reported) }));
      // 15 transitions, 6 rows: per task one for its activation, one for its report.
      expect(tableRows(path)).toBe(6);
      expect(store.counts().transitions).toBe(15);

      const all = store.getTransitions('r1');
      expect(all.map((t) => `${t.actorId}:${t.to}`)).toEqual([
        ...names.flatMap((n) => ['pending', 'ready', 'assigned'].map((s) => `task:${n}:${s}`)),
        ...names.flatMap((n) => ['running', 'succeeded'].map((s) => `task:${n}:${s}`)),
      ]);
      for (let i = 1; i < all.length; i++) expect(all[i].seq).toBe(all[i - 1].seq + 1);

      const plain = (rows: TransitionRecord[]) => rows.map((r) => JSON.parse(JSON.stringify(r)) as TransitionRecord);
      expect(plain(readRunJournal(store, 'r1').transitions)).toEqual(all);
      expect(plain(readFileJournal(path, 'r1'))).toEqual(all);
      expect(plain(readFileJournal(path, 'r1', all[4].seq))).toEqual(all.slice(5));
      expect(plain(readActorsJournal(store, 'r1', ['task:b']))).toEqual(all.filter((t) => t.actorId === 'task:b'));
      expect(readRunProgress(store, 'r1')).toMatchObject({ firstSeq: all[0].seq, lastSeq: all[14].seq, rows: 15 });

      const tail = new JournalTail(store);
      try {
        // Cut inside a row, at both ends.
        expect(plain(tail.after('r1', all[1].seq, 3))).toEqual(all.slice(2, 5));
        expect(plain(tail.after('r1', all[10].seq, 100))).toEqual(all.slice(11));
      } finally {
        tail.close();
      }
    } finally {
      store.close();
    }
  });

  test('the bulk readers read states and events as written, whatever characters they hold', () => {
    const path = tempDbPath();
    const store = new SqliteStore(path);
    try {
      store.createRun(newRun('r1'), [newTask('r1', 'a'), newTask('r1', 'b')]);
      // The readers get kind, from, to and event as one text (separated by \x1f, a missing
      // from as "!", a present one behind "="): names that look like that must not confuse them.
      const odd = [
        transition('r1', { actorId: 'task:a', from: null, to: '!', event: '=e' }),
        transition('r1', { actorId: 'task:a', from: '!', to: 'x\u001fy', event: 'e\u001f' }),
        transition('r1', { actorId: 'task:b', from: '=', to: '=', event: '\u001f\u001f\u001f' }),
        transition('r1', { actorId: 'task:b', from: 'a\u001f=b', to: 'née 🙂', event: 'task.done', payload: { x: '\u001f' } }),
        // These two make the same text: only the columns tell them apart.
        transition('r1', { actorId: 'task:a', from: 'x\u001fy', to: 'z', event: 'e' }),
        transition('r1', { actorId: 'task:b', from: 'x', to: 'y\u001fz', event: 'e' }),
      ];
      store.commit(batch({ transitions: [odd[0]] }));
      store.commit(batch({ transitions: odd.slice(1) }));
      const all = store.getTransitions('r1');
      expect(all.map((t) => [t.from, t.to, t.event])).toEqual(odd.map((t) => [t.from, t.to, t.event]));
      const plain = (rows: TransitionRecord[]) => rows.map((r) => JSON.parse(JSON.stringify(r)) as TransitionRecord);
      expect(plain(readRunJournal(store, 'r1').transitions)).toEqual(all);
      expect(plain(readFileJournal(path, 'r1'))).toEqual(all);
      expect(plain(readActorsJournal(store, 'r1', ['task:b']))).toEqual(all.filter((t) => t.actorId === 'task:b'));
      const tail = new JournalTail(store);
      try {
        expect(plain(tail.after('r1', all[0].seq, 100))).toEqual(all.slice(1));
      } finally {
        tail.close();
      }
    } finally {
      store.close();
    }
  });

  test(`a journal of more than ${READ_CHUNK} table rows reads whole, in order, from any seq`, () => {
    const path = tempDbPath();
    const store = new SqliteStore(path);
    try {
      const names = Array.from({ length: Math.ceil(READ_CHUNK / 2) + 50 }, (_, i) => `t${i}`);
      store.createRun(newRun('r1'), names.map((n) => newTask('r1', n)));
      const lives = names.map((n, i) => taskLife('r1', n, 100 + i));
      store.commit(batch({ transitions: lives.flatMap((l) => l.activated) }));
      store.commit(batch({ transitions: lives.flatMap((l) => l.reported) }));
      const rows = tableRows(path);
      expect(rows).toBeGreaterThan(READ_CHUNK);
      const all = store.getTransitions('r1');
      const plain = (rows: TransitionRecord[]) => rows.map((r) => JSON.parse(JSON.stringify(r)) as TransitionRecord);
      expect(plain(readRunJournal(store, 'r1').transitions)).toEqual(all);
      // The second chunk starts with a report row (two transitions): the index of its first.
      const second = all.length - 2 * (rows - READ_CHUNK);
      // Cut inside a row, around where the second chunk starts, and near the end.
      for (const from of [1, second - 1, second, second + 1, all.length - 3]) {
        expect(plain(readFileJournal(path, 'r1', all[from - 1].seq))).toEqual(all.slice(from));
      }
    } finally {
      store.close();
    }
  });

  test(`a row holds at most ${MAX_TRANSITIONS_PER_ROW} transitions; other actors and other runs start a new row`, () => {
    const path = tempDbPath();
    const store = new SqliteStore(path);
    try {
      store.createRun(newRun('r1'), [newTask('r1', 'a')]);
      store.createRun(newRun('r2'), [newTask('r2', 'a')]);
      const many = Array.from({ length: MAX_TRANSITIONS_PER_ROW + 1 }, (_, i) => transition('r1', { event: `e${i}` }));
      store.commit(batch({ transitions: many }));
      expect(tableRows(path)).toBe(2);
      // Same actor id, another run; then another actor of r1; then back: four rows.
      store.commit(batch({ transitions: [transition('r1'), transition('r2', { actorId: 'task:r1:a' }), transition('r1', { actorId: 'task:r1:b' }), transition('r1')] }));
      expect(tableRows(path)).toBe(6);
      expect(store.getTransitions('r1').map((t) => t.event).slice(0, MAX_TRANSITIONS_PER_ROW + 1)).toEqual(many.map((t) => t.event));
      expect(store.getTransitions('r2')).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  test('a row whose earlier transitions cannot be read is reported as a damaged journal, not passed over', () => {
    const path = tempDbPath();
    const store = new SqliteStore(path);
    try {
      store.createRun(newRun('r1'), [newTask('r1', 'a')]);
      store.commit(batch({ transitions: [transition('r1', { to: 'x' }), transition('r1', { to: 'y' })] }));
      const db = new Database(path);
      db.run(`UPDATE transitions SET earlier = '[["pending"]]'`);
      db.close();
      let thrown: unknown;
      try {
        store.getTransitions('r1');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SwarmError);
      expect(thrown).toMatchObject({ name: 'DamagedJournalRowError', code: 'STORE_SCHEMA' });
      expect((thrown as Error).message).toContain('Journal row 2');
    } finally {
      store.close();
    }
  });

  test('a version 7 database (a row per transition) reads as it was and merges what is written next', () => {
    const path = tempDbPath();
    const old = databaseAtVersion(path, 7);
    old.run(`INSERT INTO runs (id, name, status, metadata, total_tasks, created_at) VALUES ('r1', 'wf', 'running', '{}', 0, 1)`);
    for (let i = 1; i <= 3; i++) {
      old.run(`INSERT INTO transitions (seq, run_id, actor_id, actor_kind, from_state, to_state, event, payload, at)
               VALUES (${i}, 'r1', 'task:a', 'task', 'pending', 'ready', 'E${i}', NULL, ${i})`);
    }
    old.close();

    const store = new SqliteStore(path);
    try {
      expect(store.getTransitions('r1').map((t) => [t.seq, t.event])).toEqual([[1, 'E1'], [2, 'E2'], [3, 'E3']]);
      store.commit(batch({ transitions: [transition('r1', { event: 'E4' }), transition('r1', { event: 'E5' })] }));
      expect(tableRows(path)).toBe(4);
      expect(store.getTransitions('r1', { afterSeq: 2 }).map((t) => [t.seq, t.event])).toEqual([[3, 'E3'], [4, 'E4'], [5, 'E5']]);
    } finally {
      store.close();
    }
  });
});
