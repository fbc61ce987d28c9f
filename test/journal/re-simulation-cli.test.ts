import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { SqliteStore } from '../../src/store/index.ts';
import { readFileJournal } from '../../src/store/bulk-journal-reader.ts';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from '../cli/helpers.ts';
import { loadJournalFixtures, writeFixtureToStore } from './journal-fixtures.ts';

afterEach(removeTempDirs);

/** A sandbox whose database holds the `name` fixture's run, as if it had run there. */
function databaseWith(name: string) {
  const box = sandbox();
  const fixture = loadJournalFixtures().find((f) => f.fixture === name)!;
  const store = new SqliteStore(box.db);
  writeFixtureToStore(store, fixture);
  store.close();
  return { ...box, runId: fixture.runId };
}

describe('swarm replay --simulate', () => {
  // Its table holds text the swarm did not write (an output, an error): escaped, as every table
  // has it, not passed to the terminal (a colour code went through, with a reset added).
  test(
    'an output with escape sequences is shown escaped in the detail column',
    async () => {
      const { dir, config, db } = sandbox();
      const file = writeManifest(dir, 'esc.yaml', 'name: esc\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, message: "A\\u001b[32mgreen"}}\n');
      const ran = await swarmJson(['run', file, '--db', db], config);
      expect(ran.code).toBe(0);
      const text = await swarm(['replay', ran.json.runId, '--simulate', '--db', db], config);
      expect(text.code).toBe(0);
      // Escaped once, before the table is laid out: no reset of the table's own after it.
      expect(text.stdout).toMatch(/A\\x1b\[32mgreen +│/);
      expect(text.stdout).not.toContain('\x1b[32m');
    },
    TIMEOUT,
  );

  test(
    'prints every actor and checks the projections; --json is one document; exit 0',
    async () => {
      const { config, db, runId } = databaseWith('retries-then-success');
      const text = await swarm(['replay', runId.slice(0, 15), '--simulate', '--db', db], config);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`Re-simulation of run ${runId}`);
      expect(text.stdout).toMatch(/task:flaky\s*│\s*task\s*│\s*succeeded/);
      expect(text.stdout).toContain('Reproduced: every transition replays, and the projections match (3 tasks');

      const json = await swarmJson(['replay', runId, '--simulate', '--db', db], config);
      expect(json.code).toBe(0);
      expect(json.json).toMatchObject({ runId, reproduced: true, divergence: null, at: null, compared: { tasks: 3, runCounts: true } });
      expect(json.json.actors.find((a: { actorId: string }) => a.actorId === 'task:flaky')).toMatchObject({ state: 'succeeded', context: { attempt: 3 } });
      expect(json.json.projections.run).toMatchObject({ status: 'failed', completedTasks: 2, failedTasks: 1 });
    },
    TIMEOUT,
  );

  test(
    '--at SEQ: the state there (seq as swarm history shows it)',
    async () => {
      const { config, db, runId } = databaseWith('retries-then-success');
      const history = await swarmJson(['history', runId, '--db', db], config);
      const retrying = history.json.transitions.find((t: { actorId: string; to: string }) => t.actorId === 'task:flaky' && t.to === 'retrying');
      const json = await swarmJson(['replay', runId, '--simulate', '--at', String(retrying.seq), '--db', db], config);
      expect(json.code).toBe(0);
      expect(json.json).toMatchObject({ at: retrying.seq, lastSeq: retrying.seq, compared: null, reproduced: true });
      expect(json.json.actors.find((a: { actorId: string }) => a.actorId === 'task:flaky')).toMatchObject({ state: 'retrying', context: { attempt: 1 } });
    },
    TIMEOUT,
  );

  test(
    'a journal that diverges: exit 1, the first diverging row named (stderr, or the JSON document)',
    async () => {
      const { config, db, runId } = databaseWith('retries-then-success');
      const { seq } = readFileJournal(db, runId).find((t) => t.actorId === 'task:flaky' && t.to === 'retrying')!;
      changeTargetState(db, seq, 'rolling_back');

      const text = await swarm(['replay', runId, '--simulate', '--db', db], config);
      expect(text.code).toBe(1);
      expect(text.stderr).toContain(`The journal diverges at seq ${seq} (task:flaky, event task.failed)`);

      const json = await swarmJson(['replay', runId, '--simulate', '--db', db], config);
      expect(json.code).toBe(1);
      expect(json.json.reproduced).toBe(false);
      expect(json.json.divergence).toMatchObject({
        name: 'JournalDivergenceError',
        code: 'JOURNAL_DIVERGED',
        kind: 'transition',
        seq,
        actorId: 'task:flaky',
        expected: 'failed -> rolling_back (task.failed)',
        got: 'failed -> retrying (task.failed)',
      });
    },
    TIMEOUT,
  );

  test(
    'bad options are exit 2: --at not a number, run options with --simulate, --at without it',
    async () => {
      const { config, db, runId } = databaseWith('success-with-deps');
      expect((await swarm(['replay', runId, '--simulate', '--at', 'soon', '--db', db], config)).code).toBe(2);
      const clash = await swarm(['replay', runId, '--simulate', '--from', 'a', '--db', db], config);
      expect(clash.code).toBe(2);
      expect(clash.stderr).toContain('drop --from');
      expect((await swarm(['replay', runId, '--at', '3', '--db', db], config)).code).toBe(2);
      expect((await swarm(['replay', 'no-such-run', '--simulate', '--db', db], config)).code).toBe(2);
    },
    TIMEOUT,
  );
});

/** Rewrites the target state of the transition at `seq`, wherever its table row keeps it (the row's own columns, or `earlier`). */
function changeTargetState(db: string, seq: number, to: string): void {
  const sqlite = new Database(db);
  try {
    const row = sqlite.query<{ seq: number; earlier: string | null }, [number]>('SELECT seq, earlier FROM transitions WHERE seq >= ? ORDER BY seq LIMIT 1').get(seq)!;
    if (row.seq === seq) {
      sqlite.run('UPDATE transitions SET to_state = ? WHERE seq = ?', [to, seq]);
      return;
    }
    const earlier = JSON.parse(row.earlier!) as unknown[][];
    earlier[seq - (row.seq - earlier.length)][1] = to;
    sqlite.run('UPDATE transitions SET earlier = ? WHERE seq = ?', [JSON.stringify(earlier), row.seq]);
  } finally {
    sqlite.close();
  }
}
