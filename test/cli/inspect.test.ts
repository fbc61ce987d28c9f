import { Database } from 'bun:sqlite';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SqliteStore } from '../../src/store/index.ts';
import { afterEach, describe, expect, test } from 'bun:test';
import { sandbox, swarm, swarmJson, TIMEOUT, removeTempDirs, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const ACTOR_KINDS = ['dispatcher', 'coordinator', 'node', 'task'];

describe('swarm runs / show / history', () => {
  test('after two runs: the list, one run, its journal', async () => {
    const { config, db } = sandbox();
    const hello = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const failing = await swarmJson(['run', 'examples/retry-and-rollback.yaml', '--db', db], config);
    expect(hello.code).toBe(0);
    expect(failing.code).toBe(1);

    // runs: newest first
    const runs = await swarmJson(['runs', '--db', db], config);
    expect(runs.code).toBe(0);
    expect(runs.json.runs.map((r: { runId: string }) => r.runId)).toEqual([failing.json.runId, hello.json.runId]);
    expect(runs.json.runs[1]).toMatchObject({ name: 'hello', status: 'succeeded', totalTasks: 6, completedTasks: 6, failedTasks: 0, replayOf: null });
    expect(typeof runs.json.runs[1].createdAt).toBe('number');
    const limited = await swarmJson(['runs', '--db', db, '--limit', '1'], config);
    expect(limited.json.runs).toHaveLength(1);
    const table = await swarm(['runs', '--db', db], config);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(hello.json.runId);
    expect(table.stdout).toContain('retry-and-rollback');
    expect((await swarm(['runs', '--db', db, '--limit', 'lots'], config)).code).toBe(2);

    // show: the same RunResult as `run --json` printed
    const shown = await swarmJson(['show', failing.json.runId, '--db', db], config);
    expect(shown.code).toBe(0);
    expect(shown.json).toEqual(failing.json);
    const text = await swarm(['show', hello.json.runId, '--db', db], config);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Hello from the swarm');
    expect(text.stdout).toContain('succeeded');

    // history: every actor kind, in seq order, task ids naming their symbol
    const history = await swarmJson(['history', hello.json.runId, '--db', db], config);
    expect(history.code).toBe(0);
    expect(history.json.runId).toBe(hello.json.runId);
    const transitions = history.json.transitions as { seq: number; actorId: string; actorKind: string; from: string | null; to: string; event: string; at: number }[];
    expect(new Set(transitions.map((t) => t.actorKind))).toEqual(new Set(ACTOR_KINDS));
    for (const t of transitions) {
      for (const key of ['seq', 'actorId', 'actorKind', 'from', 'to', 'event', 'payload', 'at']) expect(t).toHaveProperty(key);
      expect(typeof t.at).toBe('number');
    }
    const seqs = transitions.map((t) => t.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const greet = transitions.filter((t) => t.actorKind === 'task' && t.actorId.includes('greet'));
    expect(greet.map((t) => t.to)).toContain('succeeded');
    const historyText = await swarm(['history', hello.json.runId, '--db', db], config);
    expect(historyText.code).toBe(0);
    expect(historyText.stdout).toContain('remember-greeting');
  }, 60_000);

  test('a unique prefix of a run id works; an ambiguous one lists the candidates (exit 2)', async () => {
    const { config, db } = sandbox();
    const a = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const b = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const unique = a.json.runId.slice(0, -2);
    if (!b.json.runId.startsWith(unique)) {
      const shown = await swarmJson(['show', unique, '--db', db], config);
      expect(shown.code).toBe(0);
      expect(shown.json.runId).toBe(a.json.runId);
    }
    // Both ids start with the date: "2" is ambiguous.
    const ambiguous = await swarm(['show', a.json.runId.slice(0, 1), '--db', db], config);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(a.json.runId);
    expect(ambiguous.stderr).toContain(b.json.runId);
  }, TIMEOUT);

  test('an unknown run exits 2 with the RunNotFoundError message', async () => {
    const { config, db } = sandbox();
    new SqliteStore(db).close();
    const text = await swarm(['show', 'no-such-run', '--db', db], config);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('No run "no-such-run"');
    const json = await swarmJson(['show', 'no-such-run', '--db', db], config);
    expect(json.code).toBe(2);
    expect(json.json.error).toMatchObject({ name: 'RunNotFoundError', code: 'RUN_NOT_FOUND' });
    expect((await swarm(['history', 'no-such-run', '--db', db], config)).code).toBe(2);
  }, TIMEOUT);

  test('reading commands refuse a database file that does not exist (exit 3) and create none', async () => {
    const { config, db } = sandbox();
    const text = await swarm(['runs', '--db', db], config);
    expect(text.code).toBe(3);
    expect(text.stderr).toContain('no such file');
    expect(existsSync(db)).toBe(false);
  }, TIMEOUT);

  test('every command refuses a SQLite file of another program (exit 3) and writes nothing to it', async () => {
    const { dir, config, db } = sandbox();
    const other = new Database(db);
    other.run('CREATE TABLE foo (x)');
    other.close();
    const before = readFileSync(db);
    for (const args of [['runs'], ['show', 'r1'], ['history', 'r1'], ['status'], ['run', 'examples/hello.yaml']]) {
      const result = await swarm([...args, '--db', db], config);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`The file at ${db} is not a swarm state database: it holds other tables (foo)`);
      expect(result.stderr).toContain('Check the path');
    }
    const json = await swarmJson(['runs', '--db', db], config);
    expect(json.json.error).toMatchObject({ name: 'NotAStateDatabaseError', code: 'STORE_SCHEMA' });
    expect(readFileSync(db)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['config.toml', 'state.db']);

    // One whose own table is called runs, as the swarm's is: the same, not "table runs already exists".
    const { config: config2, db: db2 } = sandbox();
    const clash = new Database(db2);
    clash.run('CREATE TABLE runs (x)');
    clash.close();
    const runs = await swarm(['runs', '--db', db2], config2);
    expect(runs.code).toBe(3);
    expect(runs.stderr).toContain('not a swarm state database: it holds other tables (runs)');
  }, TIMEOUT);
});

describe('swarm history of a long journal', () => {
  test('more transitions than are held at once: read and written a page at a time, as JSON and as a table, every one once, in order', async () => {
    const { dir, config, db } = sandbox();
    const symbols = Array.from({ length: 1_200 }, (_, i) => `  - {name: t${i}, type: action, parameters: {operation: noop}}`).join('\n');
    const file = writeManifest(dir, 'long.yaml', `name: long\nsymbols:\n${symbols}\n`);
    const ran = await swarmJson(['run', file, '--db', db], config);
    expect(ran.code).toBe(0);
    const history = await swarmJson(['history', ran.json.runId, '--db', db], config);
    expect(history.code).toBe(0);
    const seqs: number[] = history.json.transitions.map((t: { seq: number }) => t.seq);
    expect(seqs.length).toBeGreaterThan(6_000);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const text = await swarm(['history', ran.json.runId, '--db', db], config);
    expect(text.stdout).toContain(`: ${seqs.length} transitions`);
    const rowLines = text.stdout.split('\n').filter((l) => /^│ *\d+ /.test(l));
    expect(rowLines).toHaveLength(seqs.length);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('┌'))).toHaveLength(1);
    // One task's few rows: the filter over the pages.
    const one = await swarmJson(['history', ran.json.runId, '--db', db, '--symbol', 't700'], config);
    expect(one.json.transitions.map((t: { to: string }) => t.to)).toEqual(['pending', 'ready', 'assigned', 'running', 'succeeded']);
  }, TIMEOUT);
});

describe('swarm history --json written a page at a time', () => {
  test('a read that fails after the document began ends it with "error": stdout stays one JSON document', async () => {
    const { writeJsonInPages } = await import('../../src/cli/commands/history.ts');
    const record = (seq: number) => ({ seq, runId: 'r', actorId: 'task:a', actorKind: 'task' as const, from: null, to: 'pending', event: 'xstate.init', payload: null, at: 0 });
    function* pages() {
      yield [record(1), record(2)];
      throw new Error('the disk went away');
    }
    const written: string[] = [];
    const real = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((text: string, callback?: () => void) => {
      written.push(String(text));
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await writeJsonInPages('r', pages());
    } finally {
      process.stdout.write = real;
    }
    expect(code).toBe(1);
    const document = JSON.parse(written.join(''));
    expect(document.transitions.map((t: { seq: number }) => t.seq)).toEqual([1, 2]);
    expect(document.error.message).toBe('the disk went away');
  });
});
