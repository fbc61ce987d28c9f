import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SqliteStore } from '../../src/store/index.ts';
import type { CommitOutcome } from '../../src/store/run-lease.ts';
import type { StoreBatch } from '../../src/store/types.ts';
import { makeHarness, manifest, stopHarnesses, sym, taskTransitions } from './helpers.ts';

// Real threads on a shared 2-core machine: allow for load; hang guards inside the tests are tighter.
setDefaultTimeout(30_000);
afterEach(stopHarnesses);

describe('journal completeness', () => {
  test('every actor kind is journaled, task histories chain, and they end where the projections say', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest('journal', [
        sym('start', { parameters: { operation: 'echo', message: 'go' } }),
        sym('flaky', { dependencies: ['start'], retries: 2, parameters: { operation: 'fail', times: 1 } }),
        sym('doomed', {
          dependencies: ['start'],
          retries: 1,
          parameters: { operation: 'fail' },
          rollback: { name: 'undo', type: 'action', parameters: { operation: 'echo', message: 'undone' } },
        }),
        sym('never', { dependencies: ['doomed'], parameters: { operation: 'noop' } }),
        sym('then', { dependencies: ['flaky'], parameters: { operation: 'delay', ms: 10 } }),
      ]),
    );
    expect(result.status).toBe('failed');
    // Stopping flushes the dispatcher's and the node's last transitions too.
    await h.dispatcher.stop();

    const journal = h.store.getTransitions(result.runId);
    expect(journal.length).toBeGreaterThan(0);
    for (let i = 1; i < journal.length; i++) expect(journal[i].seq).toBeGreaterThan(journal[i - 1].seq);
    expect(new Set(journal.map((t) => t.actorKind))).toEqual(new Set(['dispatcher', 'coordinator', 'node', 'task']));
    for (const t of journal) {
      expect(t.runId).toBe(result.runId);
      expect(typeof t.at).toBe('number');
      expect(t.event.length).toBeGreaterThan(0);
    }

    // Each task's (and the coordinator's) history is a chain from null.
    const chained = [...new Set(journal.filter((t) => t.actorKind === 'task' || t.actorKind === 'coordinator').map((t) => t.actorId))];
    for (const actorId of chained) {
      const rows = journal.filter((t) => t.actorId === actorId);
      expect(rows[0].from).toBeNull();
      for (let i = 1; i < rows.length; i++) {
        expect({ actorId, seq: rows[i].seq, from: rows[i].from }).toEqual({ actorId, seq: rows[i].seq, from: rows[i - 1].to });
      }
    }

    // The last transition of each task is its projected status; every symbol has a history.
    const tasks = h.store.getTasks(result.runId);
    expect(tasks.map((t) => t.name).sort()).toEqual(['doomed', 'flaky', 'never', 'start', 'then']);
    for (const task of tasks) {
      const rows = taskTransitions(journal, task.name);
      expect(rows.length).toBeGreaterThan(0);
      expect({ task: task.name, last: rows.at(-1)!.to }).toEqual({ task: task.name, last: task.status });
    }
    expect(Object.fromEntries(tasks.map((t) => [t.name, t.status]))).toEqual({
      start: 'succeeded',
      flaky: 'succeeded',
      doomed: 'rolled_back',
      never: 'skipped',
      then: 'succeeded',
    });

    // The coordinator's last state is the run's status.
    const coordinator = journal.filter((t) => t.actorKind === 'coordinator');
    expect(coordinator.every((t) => t.actorId === `coordinator:${result.runId}`)).toBe(true);
    expect(coordinator.at(-1)!.to).toBe(h.store.getRun(result.runId)!.status);
    expect(coordinator.at(-1)!.to).toBe('failed');

    // The dispatcher accepted and finished the run; the node ran attempts for it.
    const dispatcher = journal.filter((t) => t.actorKind === 'dispatcher');
    expect(dispatcher.map((t) => t.event)).toContain('dispatcher.runAccepted');
    expect(dispatcher.map((t) => t.event)).toContain('dispatcher.runFinished');
    expect(journal.some((t) => t.actorKind === 'node' && t.to === 'busy')).toBe(true);
  });
});

describe("the dispatcher's record of finished runs", () => {
  test('dispatcher.runFinished carries the status the run finished with', async () => {
    const h = makeHarness({ shutdownGrace: 50 });
    const succeeded = await h.run(manifest('ok', [sym('a', { parameters: { operation: 'noop' } })]));
    const failed = await h.run(manifest('ko', [sym('a', { retries: 0, parameters: { operation: 'fail' } })]));
    const cancelling = h.deploy(manifest('cancel', [sym('a', { parameters: { operation: 'delay', ms: 5_000 } })]));
    cancelling.cancel('test');
    const cancelled = await cancelling.result;
    await h.dispatcher.stop();

    const reported = (runId: string) =>
      h.store
        .getTransitions(runId)
        .filter((t) => t.actorKind === 'dispatcher' && t.event === 'dispatcher.runFinished')
        .map((t) => t.payload);
    expect([succeeded.status, failed.status, cancelled.status]).toEqual(['succeeded', 'failed', 'cancelled']);
    expect(reported(succeeded.runId)).toEqual([{ runId: succeeded.runId, status: 'succeeded' }]);
    expect(reported(failed.runId)).toEqual([{ runId: failed.runId, status: 'failed' }]);
    expect(reported(cancelled.runId)).toEqual([{ runId: cancelled.runId, status: 'cancelled' }]);
  });
});

/** A SqliteStore that numbers its commits and remembers which transitions each one carried. */
class RecordingStore extends SqliteStore {
  readonly committed: { commit: number; actorId: string; from: string | null; to: string }[] = [];
  private commits = 0;

  override commit(batch: StoreBatch): CommitOutcome {
    const outcome = super.commit(batch);
    const commit = ++this.commits;
    for (const t of batch.transitions) this.committed.push({ commit, actorId: t.actorId, from: t.from, to: t.to });
    return outcome;
  }

  commitOf(actorId: string, from: string | null, to: string): number {
    const row = this.committed.find((r) => r.actorId === actorId && r.from === from && r.to === to);
    if (!row) throw new Error(`no committed transition ${actorId} ${from} → ${to}`);
    return row.commit;
  }
}

describe('commit ordering', () => {
  test("a task's terminal state is committed before its dependents start, and the run's before it is reported", async () => {
    let store!: RecordingStore;
    const h = makeHarness({ makeStore: (path) => (store = new RecordingStore(path)) });
    const handle = h.deploy(
      manifest('commit-order', [
        sym('C', { dependencies: ['B'], parameters: { operation: 'noop' } }),
        sym('B', { dependencies: ['A'], parameters: { operation: 'echo', message: 'b' } }),
        sym('A', { parameters: { operation: 'echo', message: 'a' } }),
        // A fan-in: D waits for both A and B.
        sym('D', { dependencies: ['A', 'B'], parameters: { operation: 'noop' } }),
      ]),
    );
    // What was durable at the moment the result was reported.
    const result = await handle.result.then((r) => ({ r, committedAtReport: [...store.committed] }));
    expect(result.r.status).toBe('succeeded');

    const first = (name: string) => store.commitOf(`task:${name}`, null, 'pending');
    const done = (name: string) => store.commitOf(`task:${name}`, 'running', 'succeeded');
    expect(done('A')).toBeLessThan(first('B'));
    expect(done('B')).toBeLessThan(first('C'));
    expect(done('A')).toBeLessThan(first('D'));
    expect(done('B')).toBeLessThan(first('D'));

    const coordinatorId = `coordinator:${handle.runId}`;
    expect(result.committedAtReport.some((r) => r.actorId === coordinatorId && r.to === 'succeeded')).toBe(true);
    for (const name of ['A', 'B', 'C', 'D']) {
      expect(result.committedAtReport.some((r) => r.actorId === `task:${name}` && r.to === 'succeeded')).toBe(true);
    }
  });
});
