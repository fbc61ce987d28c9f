// Preloaded by scripts/test-all.sh (`bun test --preload`): when SWARM_JOURNAL_AUDIT names a
// file, every store the runtime tests close is first re-simulated run by run with the real
// XState machines (actors/journal/simulation/), and one JSON line per run is appended to that
// file: {file, runId, rows, divergence}. test/support/journal-audit.check.ts then requires
// that every journal re-simulates without divergence — under both task engines.
// Only the test directories that exercise the runtime are audited: other tests tamper with
// journals on purpose (to test divergence detection) or never write a whole run.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll } from 'bun:test';
import { reSimulate } from '../../actors/journal/simulation/re-simulate.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import type { SwarmStore } from '../../src/store/types.ts';

const out = process.env.SWARM_JOURNAL_AUDIT;
const AUDITED = /[/\\]test[/\\](runtime|remote|scheduling|server)[/\\]/;
const ROOT = new URL('../..', import.meta.url).pathname;

/** Stores a runtime test wrote to, with the test file that wrote them, until audited. */
const written = new Map<SwarmStore, string>();

function audit(store: SwarmStore, file: string): void {
  // What is still on its way to the file (a background commit) is part of the journal to audit.
  try {
    store.drainBackground?.(30_000);
  } catch {
    // audited as far as it landed
  }
  let runs;
  try {
    runs = store.listRuns();
  } catch {
    return; // a store that cannot be read (a test broke it on purpose) has nothing to audit
  }
  for (const run of runs) {
    let line: Record<string, unknown>;
    try {
      // Through the store's own interface: the test may have removed the file already.
      const transitions = store.getTransitions(run.id);
      if (transitions.length === 0) continue;
      const record = store.getRun(run.id)!;
      const report = reSimulate({ runId: run.id, manifest: record.manifest as Manifest, transitions, stored: { run: record, tasks: store.getTasks(run.id) } });
      line = { file, runId: run.id, status: run.status, rows: report.rows, divergence: report.divergence?.message ?? null };
    } catch (err) {
      line = { file, runId: run.id, status: run.status, rows: 0, divergence: `could not re-simulate: ${(err as Error).message}` };
    }
    appendFileSync(out!, JSON.stringify(line) + '\n');
  }
}

if (out) {
  for (const Store of [SqliteStore, MemoryStore]) {
    const { commit, close } = Store.prototype;
    Store.prototype.commit = function (this: SwarmStore, batch) {
      if (!written.has(this) && AUDITED.test(Bun.main)) written.set(this, relative(ROOT, Bun.main));
      return commit.call(this, batch);
    };
    Store.prototype.close = function (this: SwarmStore) {
      const file = written.get(this);
      written.delete(this);
      if (file !== undefined) audit(this, file);
      return close.call(this);
    };
  }
  const { commitInBackground } = SqliteStore.prototype;
  SqliteStore.prototype.commitInBackground = function (this: SqliteStore, batch, done) {
    if (!written.has(this) && AUDITED.test(Bun.main)) written.set(this, relative(ROOT, Bun.main));
    return commitInBackground.call(this, batch, done);
  };
  // Stores a test never closed are audited once every file has run.
  afterAll(() => {
    for (const [store, file] of written) audit(store, file);
    written.clear();
  });
}
