/**
 * The PostgreSQL store against the SQLite one, on what matters to the coordinator: one group
 * commit of a typical batch (8 journal rows + 8 task patches + 1 run patch), a bare call
 * through the bridge, createRun of a 100k-task run, and reading a long journal back (pages
 * against one giant message).
 *
 *   scripts/postgres-up.sh   # a local server, if SWARM_TEST_POSTGRES_URL is not set
 *   bun bench/store-postgres.ts [commits=2000] [journalRows=500000]
 */
import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { NewTask, StoreBatch, SwarmStore } from '../src/store/types.ts';
import { testPostgresUrl } from '../test/support/postgres.ts';

const commits = Number(process.argv[2] ?? 2000);
const journalRows = Number(process.argv[3] ?? 500_000);
const url = testPostgresUrl();
if (!url) {
  console.error('No PostgreSQL server: run scripts/postgres-up.sh or set SWARM_TEST_POSTGRES_URL.');
  process.exit(2);
}

const schema = `swarm_bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'swarm-bench-pg-'));
const stores: [string, SwarmStore][] = [
  ['sqlite', new SqliteStore(join(dir, 'bench.db'))],
  ['postgres', new PostgresStore(url, { schema, statementTimeoutMs: 60_000 })],
];

function createRun(store: SwarmStore, id: string, count: number): void {
  const tasks: NewTask[] = Array.from({ length: count }, (_, i) => ({
    runId: id, name: `task-${i}`, priority: 0, dispatch: 'internal', dependencies: i === 0 ? [] : [`task-${i - 1}`],
  }));
  store.createRun(
    { id, name: id, manifestSource: '', manifestFormat: 'yaml', manifest: {}, manifestPath: null, metadata: {}, totalTasks: count, replayOf: null, createdAt: Date.now() },
    tasks,
  );
}

function typicalBatch(b: number): StoreBatch {
  return {
    transitions: Array.from({ length: 8 }, (_, i) => ({
      runId: 'r1', actorId: `task:r1:task-${(b * 8 + i) % 1000}`, actorKind: 'task' as const, from: 'ready', to: 'running',
      event: 'ASSIGN', payload: { attempt: 1, node: 'local' }, at: Date.now(),
    })),
    tasks: Array.from({ length: 8 }, (_, i) => ({
      runId: 'r1', name: `task-${(b * 8 + i) % 1000}`, status: 'running' as const, attempts: 1, node: 'local', startedAt: Date.now(),
    })),
    runs: [{ id: 'r1', completedTasks: b }],
    nodes: [],
  };
}

function timed(count: number, fn: (i: number) => void): { meanUs: number; p50Us: number; p99Us: number } {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    fn(i);
    samples[i] = (performance.now() - t0) * 1000;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / count;
  return { meanUs: Math.round(mean), p50Us: Math.round(sorted[count >> 1]), p99Us: Math.round(sorted[Math.floor(count * 0.99)]) };
}

try {
  for (const [name, store] of stores) {
    createRun(store, 'r1', 1000);
    for (let b = 0; b < 100; b++) store.commit(typicalBatch(b)); // warm-up: statements prepared, pages cached
    const commit = timed(commits, (b) => store.commit(typicalBatch(b)));
    const call = timed(commits, () => store.getRunLease('r1'));
    let t0 = performance.now();
    createRun(store, 'big', 100_000);
    const createMs = performance.now() - t0;
    t0 = performance.now();
    const tasks = store.getTasks('big').length;
    const tasksMs = performance.now() - t0;
    console.log(
      `${name.padEnd(8)} commit (8 rows + 8 task patches + 1 run patch): mean ${commit.meanUs} µs, p50 ${commit.p50Us} µs, p99 ${commit.p99Us} µs; ` +
        `a point read (getRunLease): p50 ${call.p50Us} µs; createRun 100,000 tasks: ${createMs.toFixed(0)} ms; getTasks of them (${tasks}): ${tasksMs.toFixed(0)} ms`,
    );
  }

  // A long journal read back: the store's pages against one message of every row.
  const pg = stores[1][1] as PostgresStore;
  const sqlite = stores[0][1];
  for (const store of [sqlite, pg]) createRun(store, 'long', 1);
  const fill = new SQL(url, { max: 1, connection: { search_path: schema } });
  await fill.unsafe(
    `INSERT INTO transitions (run_id, actor_id, actor_kind, from_state, to_state, event, payload, at)
     SELECT 'long', 'task:long:task-' || (g % 1000), 'task', 'ready', 'running', 'ASSIGN', '{"attempt":1,"node":"local"}', g
     FROM generate_series(1, ${journalRows}) g`,
  );
  // As autovacuum would, eventually: a bulk insert leaves the planner with stale statistics.
  await fill.unsafe('ANALYZE transitions');
  await fill.close();
  for (let done = 0; done < journalRows; done += 1000) {
    const transitions = Array.from({ length: Math.min(1000, journalRows - done) }, (_, i) => ({
      runId: 'long', actorId: `task:long:task-${i}`, actorKind: 'task' as const, from: 'ready', to: 'running',
      event: 'ASSIGN', payload: { attempt: 1, node: 'local' }, at: done + i,
    }));
    sqlite.commit({ transitions, runs: [], tasks: [], nodes: [] });
  }
  for (const [label, read] of [
    ['sqlite getTransitions', () => sqlite.getTransitions('long').length],
    ['postgres getTransitions (pages of 20,000)', () => pg.getTransitions('long').length],
    // One message of everything, through the bridge directly (what the pages replace).
    ['postgres one message of all rows', () => (pg as unknown as { bridge: { call(...a: unknown[]): { seq: number[] } } }).bridge.call('getTransitions', 'long', 0, journalRows * 2).seq.length],
  ] as const) {
    const ms: string[] = [];
    let n = 0;
    for (let round = 0; round < 2; round++) {
      const t0 = performance.now();
      n = read();
      ms.push((performance.now() - t0).toFixed(0));
    }
    console.log(`${label}: ${n.toLocaleString('en-US')} rows in ${ms.join(' ms, then ')} ms`);
  }
} finally {
  for (const [, store] of stores) store.close();
  rmSync(dir, { recursive: true, force: true });
  const admin = new SQL(url, { max: 1 });
  await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.close();
}
