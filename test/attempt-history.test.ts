import { describe, expect, test } from 'bun:test';
import { attemptHistory, type AttemptRecord } from '../src/attempt-history.ts';
import { loadJournalFixtures, type JournalFixture } from './journal/journal-fixtures.ts';

const fixtures = new Map(loadJournalFixtures().map((f) => [f.fixture, f]));

function history(name: string): Map<string, AttemptRecord[]> {
  const fixture = fixtures.get(name) as JournalFixture;
  return attemptHistory(fixture.transitions);
}

const results = (records: AttemptRecord[] | undefined) => (records ?? []).map((r) => `${r.kind}:${r.attempt ?? '-'}:${r.result}`);

describe('attempt history, read from recorded journals', () => {
  test('every task of every fixture: the last attempt number is the attempts the store counts', () => {
    for (const fixture of fixtures.values()) {
      const byTask = attemptHistory(fixture.transitions);
      for (const task of fixture.stored.tasks) {
        const runs = (byTask.get(task.name) ?? []).filter((r) => r.kind === 'run' && r.attempt !== null);
        expect({ fixture: fixture.fixture, task: task.name, attempts: runs.at(-1)?.attempt ?? 0 }).toEqual({
          fixture: fixture.fixture,
          task: task.name,
          attempts: (task as { attempts: number }).attempts,
        });
        for (const r of byTask.get(task.name) ?? []) expect(r.result).not.toBe('running');
      }
    }
  });

  test('timeouts: each timed-out attempt, and a rollback that timed out', () => {
    const h = history('timeouts');
    expect(results(h.get('slow'))).toEqual(['run:1:timed_out', 'run:2:timed_out']);
    expect(h.get('slow')![0].error).toMatchObject({ code: 'TASK_TIMEOUT' });
    expect(results(h.get('broken'))).toEqual(['run:1:failed', 'rollback:1:rollback_failed']);
    expect(h.get('broken')![1].error).toMatchObject({ code: 'TASK_TIMEOUT' });
    expect(h.get('after-slow') ?? []).toEqual([]);
  });

  test('retries: node, times in order, the error of each failed attempt without its stack', () => {
    const h = history('retries-then-success');
    const records = [...h.values()].flat().filter((r) => r.kind === 'run');
    for (const r of records) {
      expect(r.node).not.toBeNull();
      expect(r.readyAt! <= r.assignedAt! && r.assignedAt! <= r.startedAt! && r.startedAt! <= r.endedAt!).toBe(true);
      if (r.error) expect(r.error).not.toHaveProperty('stack');
    }
    expect(records.some((r) => r.result === 'failed') && records.some((r) => r.result === 'succeeded')).toBe(true);
  });

  test('saga: the run attempt, then the compensation apart, with its own result', () => {
    const h = history('saga');
    expect(results(h.get('first'))).toEqual(['run:1:succeeded', 'rollback:1:rolled_back']);
    expect(results(h.get('second'))).toEqual(['run:1:succeeded', 'rollback:1:rollback_failed']);
    expect(h.get('second')![1].error?.message).toBeTruthy();
  });

  test('resumed: the attempt its dead process held is interrupted; the next one runs elsewhere', () => {
    expect(results(history('resumed').get('in-flight'))).toEqual(['run:1:interrupted', 'run:2:succeeded']);
  });

  test('no capable node, a reused result, a cancel', () => {
    expect(results(history('no-capable-node').get('php'))).toEqual(['run:-:unservable']);
    expect(history('no-capable-node').get('php')![0].error?.code).toBe('NO_CAPABLE_NODE');
    const reused = history('replay-reused').get('ok')!;
    expect(results(reused)).toEqual(['reuse:-:reused']);
    expect(reused[0].fromRun).toBeTruthy();
    expect(results(history('cancel').get('long-1'))).toEqual(['run:1:cancelled']);
  });
});

describe('attempt history: an assignment given back unstarted', () => {
  test('is no attempt: the next one is attempt 1 again, on the node that ran it, waiting since the task first became ready', () => {
    const row = (seq: number, from: string | null, to: string, event: string, at: number, payload: Record<string, unknown> | null = null) =>
      ({ seq, runId: 'r', actorId: 'task:t', actorKind: 'task', from, to, event, payload, at }) as never;
    const h = attemptHistory([
      row(1, null, 'pending', 'xstate.init', 0),
      row(2, 'pending', 'ready', 'task.depsMet', 10),
      row(3, 'ready', 'assigned', 'task.assign', 20, { node: 'remote:w1' }),
      row(4, 'assigned', 'ready', 'task.returned', 30, { attempt: 1 }),
      row(5, 'ready', 'assigned', 'task.assign', 40, { node: 'remote:w2' }),
      row(6, 'assigned', 'running', 'task.started', 50, { attempt: 1 }),
      row(7, 'running', 'succeeded', 'task.succeeded', 60, { attempt: 1, output: 'ok' }),
    ]).get('t')!;
    expect(results(h)).toEqual(['run:1:succeeded']);
    expect(h[0]).toMatchObject({ node: 'remote:w2', readyAt: 10, assignedAt: 40, startedAt: 50, endedAt: 60 });
  });
});
