import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SqliteStore } from '../../src/store/index.ts';
import type { CommitOutcome } from '../../src/store/run-lease.ts';
import type { BackgroundCommitResult, StoreBatch } from '../../src/store/types.ts';
import { makeHarness, manifest, stopHarnesses, sym } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load.
setDefaultTimeout(60_000);
afterEach(stopHarnesses);

interface Commit {
  background: boolean;
  rows: { actorId: string; from: string | null; to: string }[];
  /** Ticks of one clock: when the commit was handed to the store, and when it was durable. */
  sentAt: number;
  landedAt: number | null;
}

/** A SqliteStore that notes, on one clock, when each commit was sent and when it landed. */
class TimelineStore extends SqliteStore {
  readonly commits: Commit[] = [];
  private tick = 0;

  override commit(batch: StoreBatch): CommitOutcome {
    const commit = this.sent(batch, false);
    const outcome = super.commit(batch);
    commit.landedAt = this.tick++;
    return outcome;
  }

  override commitInBackground(batch: StoreBatch, done: (result: BackgroundCommitResult) => void): void {
    const commit = this.sent(batch, true);
    super.commitInBackground(batch, (result) => {
      if (result.ok) commit.landedAt = this.tick++;
      done(result);
    });
  }

  /** The commit that carried `actorId`'s transition `from` → `to`. */
  carrying(actorId: string, from: string | null, to: string): Commit {
    const found = this.commits.find((c) => c.rows.some((r) => r.actorId === actorId && r.from === from && r.to === to));
    if (!found) throw new Error(`no commit carried ${actorId} ${from} → ${to}`);
    return found;
  }

  private sent(batch: StoreBatch, background: boolean): Commit {
    const commit: Commit = { background, rows: batch.transitions.map(({ actorId, from, to }) => ({ actorId, from, to })), sentAt: this.tick++, landedAt: null };
    this.commits.push(commit);
    return commit;
  }
}

describe('commits on the store’s background thread', () => {
  test('a dependent is created only after its dependency’s success has landed, and the run is reported only after its end has', async () => {
    let store!: TimelineStore;
    const h = makeHarness({ makeStore: (path) => (store = new TimelineStore(path)) });
    // Many quick roots make commits of hundreds of rows, which go to the background thread;
    // each root's one dependent waits for the commit of the root's success.
    const pairs = 300;
    const symbols = [];
    for (let i = 0; i < pairs; i++) {
      symbols.push(sym(`root${i}`, { parameters: { operation: 'noop' } }));
      symbols.push(sym(`next${i}`, { dependencies: [`root${i}`], parameters: { operation: 'noop' } }));
    }
    const handle = h.deploy(manifest('background-order', symbols));
    const reported = await handle.result.then((result) => ({ result, tick: store.commits.filter((c) => c.landedAt !== null).length }));
    expect(reported.result.status).toBe('succeeded');

    // The test means something only if the background path carried dependencies' successes.
    const successes = Array.from({ length: pairs }, (_, i) => store.carrying(`task:root${i}`, 'running', 'succeeded'));
    expect(successes.filter((c) => c.background).length).toBeGreaterThan(0);
    for (let i = 0; i < pairs; i++) {
      const landed = successes[i].landedAt;
      expect(landed).not.toBeNull();
      // The dependent's first row was recorded after the success landed, so it left after.
      expect(store.carrying(`task:next${i}`, null, 'pending').sentAt).toBeGreaterThan(landed!);
    }
    // When the result was reported, the commit with the run's end had landed.
    const end = store.carrying(`coordinator:${handle.runId}`, 'running', 'succeeded');
    expect(end.landedAt).not.toBeNull();
    expect(store.commits.filter((c) => c.landedAt !== null).indexOf(end)).toBeLessThan(reported.tick);

    // Every task's whole history is in the journal, in order.
    const tasks = h.store.getTasks(handle.runId);
    expect(tasks).toHaveLength(2 * pairs);
    expect(tasks.every((t) => t.status === 'succeeded')).toBe(true);
    const journal = h.store.getTransitions(handle.runId);
    for (let i = 1; i < journal.length; i++) expect(journal[i].seq).toBeGreaterThan(journal[i - 1].seq);
    expect(journal.filter((t) => t.actorKind === 'task' && t.to === 'succeeded')).toHaveLength(2 * pairs);
  });
});
