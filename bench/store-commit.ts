/**
 * Measures the store's hot path: group commits of journal rows (and task patches) into a WAL
 * SQLite file, plus createRun of a large run.
 *
 *   bun bench/store-commit.ts [batchSize=1000] [batches=200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { NewTask, NewTransition, StoreBatch, TaskPatch } from '../src/store/types.ts';

const batchSize = Number(process.argv[2] ?? 1000);
const batches = Number(process.argv[3] ?? 200);

const dir = mkdtempSync(join(tmpdir(), 'swarm-bench-'));
const store = new SqliteStore(join(dir, 'bench.db'));

function newRun(id: string, taskCount: number): void {
  const tasks: NewTask[] = Array.from({ length: taskCount }, (_, i) => ({
    runId: id,
    name: `task-${i}`,
    priority: 0,
    dispatch: 'internal',
    dependencies: i === 0 ? [] : [`task-${i - 1}`],
  }));
  store.createRun(
    {
      id, name: id, manifestSource: '', manifestFormat: 'yaml', manifest: {}, manifestPath: null, metadata: {},
      totalTasks: taskCount, replayOf: null, createdAt: Date.now(),
    },
    tasks,
  );
}

function rate(rows: number, ms: number): string {
  return `${Math.round((rows / ms) * 1000).toLocaleString('en-US')} rows/s`;
}

// createRun of a 100k-task run: one transaction.
let start = performance.now();
newRun('big', 100_000);
console.log(`createRun 100,000 tasks: ${(performance.now() - start).toFixed(0)} ms`);

// Journal-only batches: what a busy coordinator writes.
newRun('r1', batchSize);
const transition = (i: number): NewTransition => ({
  runId: 'r1', actorId: `task:r1:task-${i % batchSize}`, actorKind: 'task', from: 'ready', to: 'running',
  event: 'ASSIGN', payload: { attempt: 1, node: 'local' }, at: Date.now(),
});
const journalBatch = (): StoreBatch => ({
  transitions: Array.from({ length: batchSize }, (_, i) => transition(i)), runs: [], tasks: [], nodes: [],
});
store.commit(journalBatch()); // warm-up: prepares statements, grows the file
start = performance.now();
for (let b = 0; b < batches; b++) store.commit(journalBatch());
let ms = performance.now() - start;
console.log(`commit, ${batches} batches of ${batchSize} transitions: ${rate(batches * batchSize, ms)} (${(ms / batches).toFixed(2)} ms/batch)`);

// Mixed batches: each transition comes with a task patch (journal row + projection), as in a real run.
const patch = (i: number): TaskPatch => ({
  runId: 'r1', name: `task-${i % batchSize}`, status: 'running', attempts: 1, node: 'local', startedAt: Date.now(),
});
const mixedBatch = (): StoreBatch => ({
  transitions: Array.from({ length: batchSize / 2 }, (_, i) => transition(i)),
  tasks: Array.from({ length: batchSize / 2 }, (_, i) => patch(i)),
  runs: [{ id: 'r1', completedTasks: 1 }],
  nodes: [],
});
start = performance.now();
for (let b = 0; b < batches; b++) store.commit(mixedBatch());
ms = performance.now() - start;
console.log(`commit, ${batches} batches of ${batchSize / 2} transitions + ${batchSize / 2} task patches: ${rate(batches * batchSize, ms)}`);

// One row per commit: the cost group commit avoids.
const single: StoreBatch = { transitions: [transition(0)], runs: [], tasks: [], nodes: [] };
const singles = 5_000;
start = performance.now();
for (let i = 0; i < singles; i++) store.commit(single);
ms = performance.now() - start;
console.log(`commit, ${singles} batches of 1 transition: ${rate(singles, ms)}`);

store.close();
rmSync(dir, { recursive: true, force: true });
