/**
 * What lease fencing costs a group commit (src/store/run-lease.ts): the same typical batch
 * (8 journal rows + 8 task patches + 1 run patch, one run) committed with and without
 * `fencing`, in alternating rounds on the same store so drift and cache effects fall on both.
 * A fenced commit checks each run's epoch in its own transaction: one primary-key lookup per
 * run per commit, nothing written for it.
 *
 *   bun bench/store-fencing.ts [commits=2000] [times=6]   (commits × times of each kind)
 *   (PostgreSQL too when SWARM_TEST_POSTGRES_URL is set or scripts/postgres-up.sh runs)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { StoreBatch, SwarmStore } from '../src/store/types.ts';
import { testPostgresUrl } from '../test/support/postgres.ts';

const perRound = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 6);
const OWNER = 'bench:1:1';

const dir = mkdtempSync(join(tmpdir(), 'swarm-bench-fencing-'));
const stores: [string, SwarmStore][] = [['sqlite', new SqliteStore(join(dir, 'bench.db'))]];
const url = testPostgresUrl();
if (url) stores.push(['postgres', new PostgresStore(url, { schema: `swarm_bench_fencing_${process.pid}`, statementTimeoutMs: 60_000 })]);

function typicalBatch(b: number, fenced: boolean): StoreBatch {
  return {
    transitions: Array.from({ length: 8 }, (_, i) => ({
      runId: 'r1', actorId: `task:task-${(b * 8 + i) % 1000}`, actorKind: 'task' as const, from: 'ready', to: 'running',
      event: 'ASSIGN', payload: { attempt: 1, node: 'local' }, at: Date.now(),
    })),
    tasks: Array.from({ length: 8 }, (_, i) => ({
      runId: 'r1', name: `task-${(b * 8 + i) % 1000}`, status: 'running' as const, attempts: 1, node: 'local', startedAt: Date.now(),
    })),
    runs: [{ id: 'r1', completedTasks: b }],
    nodes: [],
    fencing: fenced ? { runs: [{ runId: 'r1', epoch: 1 }] } : undefined,
  };
}

/**
 * Commits alternate one by one, fenced and unfenced, each timed on its own. Rounds of one kind
 * after the other showed a bias of their own: the very same batch, timed as the second kind,
 * came out 10-15 µs slower on SQLite. Medians, not means: a WAL checkpoint falls every so many
 * commits, so always on commits of the same kind.
 */
function measure(store: SwarmStore, commits: number): { plain: number[]; fenced: number[] } {
  const plain: number[] = [];
  const fenced: number[] = [];
  for (let b = 0; b < commits; b++) {
    const kind = b % 2 === 0;
    const batch = typicalBatch(b, kind);
    const t0 = performance.now();
    store.commit(batch);
    (kind ? fenced : plain).push((performance.now() - t0) * 1000);
  }
  return { plain, fenced };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];

try {
  for (const [name, store] of stores) {
    store.createRun(
      { id: 'r1', name: 'r1', manifestSource: '', manifestFormat: 'yaml', manifest: {}, manifestPath: null, metadata: {}, totalTasks: 1000, replayOf: null, createdAt: Date.now() },
      Array.from({ length: 1000 }, (_, i) => ({ runId: 'r1', name: `task-${i}`, priority: 0, dispatch: 'internal', dependencies: [] })),
      { owner: OWNER, leaseMs: 3_600_000 },
    );
    measure(store, 2_000); // warm-up: statements prepared, pages cached
    const { plain, fenced } = measure(store, perRound * rounds * 2);
    const [p, f] = [percentile(plain, 0.5), percentile(fenced, 0.5)];
    console.log(
      `${name}: typical commit, median ${p.toFixed(1)} µs unfenced, ${f.toFixed(1)} µs fenced (+${(f - p).toFixed(1)} µs); ` +
        `p90 ${percentile(plain, 0.9).toFixed(1)} / ${percentile(fenced, 0.9).toFixed(1)} µs; ${plain.length} commits of each, alternating`,
    );
  }
} finally {
  for (const [name, store] of stores) {
    if (name === 'postgres') {
      const { SQL } = await import('bun');
      const sql = new SQL(url!, { max: 1 });
      await sql.unsafe(`DROP SCHEMA IF EXISTS "swarm_bench_fencing_${process.pid}" CASCADE`);
      await sql.close();
    }
    store.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
