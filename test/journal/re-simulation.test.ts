import { afterEach, describe, expect, test } from 'bun:test';
import { PureMachine } from '../../actors/journal/simulation/pure-machine.ts';
import { JournalDivergenceError } from '../../actors/journal/simulation/journal-divergence.ts';
import { assertJournalReproduces, reSimulate, type RecordedRun } from '../../actors/journal/simulation/re-simulate.ts';
import { readRecordedRun } from '../../actors/journal/simulation/recorded-run.ts';
import { taskMachine } from '../../machines/task-machine.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { TransitionRecord } from '../../src/store/types.ts';
import { makeHarness, manifest, stopHarnesses, sym } from '../runtime/helpers.ts';
import { loadJournalFixtures, recordedRunOf, type JournalFixture } from './journal-fixtures.ts';

afterEach(stopHarnesses);

const fixtures = loadJournalFixtures();
const fixture = (name: string): JournalFixture => {
  const f = fixtures.find((x) => x.fixture === name);
  if (!f) throw new Error(`no journal fixture "${name}" (record it: bun scripts/record-journal-fixtures.ts ${name})`);
  return structuredClone(f);
};

/** The first row matching, and the divergence re-simulating `run` reports. */
function rowOf(rows: TransitionRecord[], match: Partial<TransitionRecord>): TransitionRecord {
  const row = rows.find((r) => Object.entries(match).every(([k, v]) => r[k as keyof TransitionRecord] === v));
  if (!row) throw new Error(`no row like ${JSON.stringify(match)}`);
  return row;
}

function divergenceOf(run: RecordedRun, options = {}): JournalDivergenceError {
  const { divergence } = reSimulate(run, options);
  if (!divergence) throw new Error('expected a divergence, the journal reproduced');
  return divergence;
}

describe('recorded journals re-simulate to their projections', () => {
  test('there are fixtures of every scenario the recorder script knows', () => {
    expect(fixtures.map((f) => f.fixture).sort()).toEqual([
      'cancel',
      'failure-rollback-skipped',
      'no-capable-node',
      'pause-resume',
      'replay-reused',
      'resumed',
      'retries-then-success',
      'rollback-by-request',
      'saga',
      'success-with-deps',
      'timeouts',
    ]);
  });

  for (const f of fixtures) {
    test(`${f.fixture}: ${f.description}`, () => {
      for (const share of [true, false]) {
        const report = reSimulate(recordedRunOf(f), { share });
        expect(report.divergence?.message ?? null).toBeNull();
        expect(report.compared).toEqual({ tasks: f.manifest.symbols.length, runStatus: true, runCounts: true });
        expect(report.rows).toBe(f.transitions.length);
      }
    });
  }

  test('together they cover every task state, delayed transitions, replays, resumes and run control', () => {
    const rows = fixtures.flatMap((f) => f.transitions);
    const taskStates = new Set(rows.filter((r) => r.actorKind === 'task').map((r) => r.to));
    for (const state of ['pending', 'ready', 'assigned', 'running', 'succeeded', 'failed', 'retrying', 'rolling_back', 'rolled_back', 'rollback_failed', 'skipped', 'cancelled']) {
      expect(taskStates).toContain(state);
    }
    const events = new Set(rows.map((r) => r.event));
    for (const event of [
      'xstate.after.attemptTimeout.task.running',
      'xstate.after.retryDelay.task.retrying',
      'xstate.after.rollbackTimeout.task.rolling_back',
      'task.reuse',
      'task.recover',
      'task.unservable',
      'run.pause',
      'run.resume',
      'run.cancel',
      'run.tasksSettled',
    ]) {
      expect(events).toContain(event);
    }
    const resumed = fixture('resumed').transitions.filter((r) => r.actorKind === 'coordinator' && r.from === null);
    expect(resumed).toHaveLength(2);
  });
});

describe('a journal that does not reproduce names its first diverging row', () => {
  test('a row whose target state was changed', () => {
    const f = fixture('retries-then-success');
    const row = rowOf(f.transitions, { actorId: 'task:flaky', from: 'running', to: 'failed' });
    row.to = 'succeeded';
    const d = divergenceOf(recordedRunOf(f));
    expect(d).toBeInstanceOf(JournalDivergenceError);
    expect(d.name).toBe('JournalDivergenceError');
    expect(d.code).toBe('JOURNAL_DIVERGED');
    expect({ kind: d.kind, seq: d.seq, actorId: d.actorId, event: d.event }).toEqual({ kind: 'transition', seq: row.seq, actorId: 'task:flaky', event: 'task.failed' });
    expect(d.expected).toBe('running -> succeeded (task.failed)');
    expect(d.got).toBe('running -> failed (task.failed)');
    expect(d.message).toContain(`seq ${row.seq}`);
  });

  test('a dropped row: the next row of that actor diverges', () => {
    const f = fixture('retries-then-success');
    const dropped = rowOf(f.transitions, { actorId: 'task:flaky', from: 'failed', to: 'retrying' });
    f.transitions = f.transitions.filter((r) => r !== dropped);
    const next = f.transitions.find((r) => r.actorId === 'task:flaky' && r.seq > dropped.seq)!;
    const d = divergenceOf(recordedRunOf(f));
    expect({ seq: d.seq, actorId: d.actorId }).toEqual({ seq: next.seq, actorId: 'task:flaky' });
    expect(d.expected).toBe('retrying -> ready (xstate.after.retryDelay.task.retrying)');
    expect(d.got).toBe('failed -> retrying (task.failed)');
  });

  test('a payload the machine does not take there (a started for another attempt)', () => {
    const f = fixture('success-with-deps');
    const row = rowOf(f.transitions, { actorId: 'task:b', event: 'task.started' });
    row.payload = { attempt: 2 };
    const d = divergenceOf(recordedRunOf(f));
    expect({ seq: d.seq, actorId: d.actorId, got: d.got }).toEqual({ seq: row.seq, actorId: 'task:b', got: 'no transition: stays assigned' });
  });

  test('a task actor whose first row is missing', () => {
    const f = fixture('success-with-deps');
    const init = rowOf(f.transitions, { actorId: 'task:d', from: null });
    f.transitions = f.transitions.filter((r) => r !== init);
    const d = divergenceOf(recordedRunOf(f));
    const next = f.transitions.find((r) => r.actorId === 'task:d')!;
    expect({ seq: d.seq, actorId: d.actorId }).toEqual({ seq: next.seq, actorId: 'task:d' });
    expect(d.got).toContain('has not started');
  });

  test('a different manifest (behaviour the machine would not repeat): fewer retries than recorded', () => {
    const f = fixture('retries-then-success');
    f.manifest.symbols.find((s) => s.name === 'flaky')!.retries = 0;
    const d = divergenceOf(recordedRunOf(f));
    const row = rowOf(f.transitions, { actorId: 'task:flaky', from: 'failed', to: 'retrying' });
    expect({ seq: d.seq, actorId: d.actorId, got: d.got }).toEqual({ seq: row.seq, actorId: 'task:flaky', got: 'no transition: stays failed' });
  });

  test("the coordinator's recorded settlement names a status the simulated task did not end in", () => {
    const f = fixture('cancel');
    const last = rowOf(f.transitions, { actorKind: 'coordinator', to: 'cancelled' });
    (last.payload as { settled: { task: string; status: string }[] }).settled[0].status = 'succeeded';
    const d = divergenceOf(recordedRunOf(f));
    expect({ seq: d.seq, actorId: d.actorId, event: d.event }).toEqual({ seq: last.seq, actorId: last.actorId, event: 'run.tasksSettled' });
    expect(d.got).toContain('settled cancelled');
  });

  test('a coordinator row the settlements cannot explain (the run ends before its last task settled)', () => {
    const f = fixture('success-with-deps');
    const lastTask = f.transitions.findLast((r) => r.actorKind === 'task')!;
    const end = rowOf(f.transitions, { actorKind: 'coordinator', to: 'succeeded' });
    // The run's end moved before the last task's terminal row.
    end.seq = lastTask.seq - 0.5;
    f.transitions.sort((a, b) => a.seq - b.seq);
    const d = divergenceOf(recordedRunOf(f));
    expect(d.seq).toBe(end.seq);
    expect(d.actorId).toBe(end.actorId);
  });

  test('a stored projection that is not what the rows rebuild: the task and field are named', () => {
    const f = fixture('success-with-deps');
    f.stored.tasks.find((t) => t.name === 'b')!.output = { n: 3 };
    const d = divergenceOf(recordedRunOf(f));
    expect({ kind: d.kind, actorId: d.actorId, field: d.field, expected: d.expected, got: d.got }).toEqual({
      kind: 'projection',
      actorId: 'task:b',
      field: 'output',
      expected: '{"n":3}',
      got: '{"n":2}',
    });
    expect(d.seq).toBe(f.transitions.findLast((r) => r.actorId === 'task:b')!.seq);
  });

  test("a row's time feeds the projections too (startedAt, finishedAt)", () => {
    const f = fixture('success-with-deps');
    rowOf(f.transitions, { actorId: 'task:c', to: 'running' }).at += 1;
    const d = divergenceOf(recordedRunOf(f));
    expect({ actorId: d.actorId, field: d.field }).toEqual({ actorId: 'task:c', field: 'startedAt' });
  });

  test("a run whose stored status is not the coordinator's", () => {
    const f = fixture('cancel');
    f.stored.run.status = 'failed';
    const d = divergenceOf(recordedRunOf(f));
    expect({ kind: d.kind, field: d.field, expected: d.expected, got: d.got }).toEqual({ kind: 'projection', field: 'status', expected: '"failed"', got: '"cancelled"' });
  });

  test('of several divergences the earliest row wins, and rows come before projections', () => {
    const f = fixture('retries-then-success');
    const late = rowOf(f.transitions, { actorId: 'task:after-flaky', to: 'running' });
    const early = rowOf(f.transitions, { actorId: 'task:hopeless', to: 'running' });
    late.to = 'failed';
    early.to = 'failed';
    f.stored.tasks[0].attempts = 99;
    expect(divergenceOf(recordedRunOf(f)).seq).toBe(early.seq);
    expect(() => assertJournalReproduces(recordedRunOf(f))).toThrow(JournalDivergenceError);
  });

  test('an xstate.init row that carries its input (see docs/architecture.md, journal gaps) is used as recorded', () => {
    const f = fixture('retries-then-success');
    const init = rowOf(f.transitions, { actorId: 'task:flaky', from: null });
    const spec = f.manifest.symbols.find((s) => s.name === 'flaky')!;
    init.payload = { input: { runId: f.runId, name: 'flaky', retries: spec.retries, timeout: spec.timeout, rollbackTimeout: null, backoff: { base: 5, max: 20 } } };
    expect(reSimulate(recordedRunOf(f)).divergence).toBeNull();
    (init.payload as { input: { retries: number } }).input.retries = 1;
    const d = divergenceOf(recordedRunOf(f));
    const second = f.transitions.filter((r) => r.actorId === 'task:flaky' && r.from === 'failed' && r.to === 'retrying')[1];
    expect({ seq: d.seq, got: d.got }).toEqual({ seq: second.seq, got: 'no transition: stays failed' });
  });

  test('dispatcher and node rows are checked one by one against their machines', () => {
    const f = fixture('success-with-deps');
    const row = rowOf(f.transitions, { actorId: 'node:local', from: 'idle', to: 'busy' });
    row.to = 'draining';
    const d = divergenceOf(recordedRunOf(f));
    expect({ seq: d.seq, actorId: d.actorId, got: d.got }).toEqual({ seq: row.seq, actorId: 'node:local', got: 'idle -> busy (node.attemptsStarted)' });
  });
});

describe('node rows of batches counted at once (node.attemptsCounted)', () => {
  /** The fixture with its node rows written as the counted batches a node now reports. */
  function counted() {
    const f = fixture('success-with-deps');
    const nodeRows = f.transitions.filter((r) => r.actorId === 'node:local' && r.from !== null);
    for (const row of nodeRows) {
      const { runId, count } = row.payload as { runId: string; count: number };
      row.event = 'node.attemptsCounted';
      row.payload = row.from === 'idle' ? { runId, started: count, ended: 0 } : { runId, started: 1, ended: count + 1 };
    }
    return { f, nodeRows };
  }

  test('re-simulate against the node machine', () => {
    const { f, nodeRows } = counted();
    expect(nodeRows.map((r) => `${r.from} -> ${r.to}`)).toContain('busy -> idle');
    expect(reSimulate(recordedRunOf(f)).divergence).toBeNull();
  });

  test('a batch that could not have emptied the node is a divergence', () => {
    const { f, nodeRows } = counted();
    const emptied = nodeRows.find((r) => r.from === 'busy' && r.to === 'idle')!;
    emptied.payload = { runId: f.runId, started: 3, ended: 1 };
    const d = divergenceOf(recordedRunOf(f));
    expect({ seq: d.seq, actorId: d.actorId }).toEqual({ seq: emptied.seq, actorId: 'node:local' });
  });
});

describe('trajectory sharing', () => {
  /** The fixture with `copies` more symbols that did exactly what `name` did, rows interleaved. */
  function cloned(f: JournalFixture, name: string, copies: number): JournalFixture {
    const spec = f.manifest.symbols.find((s) => s.name === name)!;
    const rows = f.transitions.filter((r) => r.actorId === `task:${name}`);
    const extra: TransitionRecord[] = [];
    for (let k = 0; k < copies; k++) {
      const copy = `${name}-copy-${k}`;
      f.manifest.symbols.push({ ...spec, name: copy });
      for (const r of rows) extra.push({ ...r, actorId: `task:${copy}`, seq: r.seq + (k + 1) / (copies + 2) });
      const stored = f.stored.tasks.find((t) => t.name === name)!;
      f.stored.tasks.push({ ...stored, name: copy });
    }
    f.transitions = [...f.transitions, ...extra].sort((a, b) => a.seq - b.seq);
    return f;
  }

  test('tasks that did the same thing share one re-simulation, and a tampered one is still caught', () => {
    // Outside the run's task count: the coordinator's total would not match; compare tasks only.
    const f = cloned(fixture('success-with-deps'), 'c', 30);
    const run: RecordedRun = { ...recordedRunOf(f), stored: undefined };
    const report = reSimulate(run);
    expect(report.divergence).toBeNull();
    expect(report.sharing.shared).toBe(29);
    expect(report.actors.find((a) => a.actorId === 'task:c-copy-17')?.context?.name).toBe('c-copy-17');

    const row = rowOf(f.transitions, { actorId: 'task:c-copy-17', to: 'running' });
    row.payload = { attempt: 7 };
    const d = divergenceOf(run);
    expect({ seq: d.seq, actorId: d.actorId }).toEqual({ seq: row.seq, actorId: 'task:c-copy-17' });
  });

  test('tasks whose context holds their name (a timeout message) are re-simulated one by one', () => {
    const f = cloned(fixture('timeouts'), 'slow', 5);
    const report = reSimulate({ ...recordedRunOf(f), stored: undefined });
    expect(report.divergence).toBeNull();
    expect(report.sharing.shared).toBe(0);
    const copy = report.actors.find((a) => a.actorId === 'task:slow-copy-3')!;
    expect((copy.context!.error as { message: string }).message).toContain('"slow-copy-3" timed out');
  });
});

describe('the state at a seq (--at)', () => {
  test('every actor as of that row, nothing compared', () => {
    const f = fixture('retries-then-success');
    const row = rowOf(f.transitions, { actorId: 'task:flaky', from: 'failed', to: 'retrying' });
    const report = reSimulate(recordedRunOf(f), { at: row.seq });
    expect(report.divergence).toBeNull();
    expect(report.compared).toBeNull();
    expect(report.lastSeq).toBe(row.seq);
    const state = (id: string) => report.actors.find((a) => a.actorId === id);
    expect(state('task:flaky')).toMatchObject({ state: 'retrying', lastSeq: row.seq, context: { attempt: 1, error: { message: 'not yet' } } });
    expect(state('task:hopeless')?.state).toBe('failed');
    expect(state('task:after-flaky')).toBeUndefined();
    expect(state(`coordinator:${f.runId}`)).toMatchObject({ state: 'running', context: { settled: 1, succeeded: 0 } });
    expect(state('node:local')).toMatchObject({ kind: 'node', state: 'busy', context: null });
  });

  test('in the middle of an event that wrote two rows, the state is the first one', () => {
    const f = fixture('retries-then-success');
    const row = rowOf(f.transitions, { actorId: 'task:flaky', from: 'running', to: 'failed' });
    const report = reSimulate(recordedRunOf(f), { at: row.seq });
    expect(report.divergence).toBeNull();
    expect(report.actors.find((a) => a.actorId === 'task:flaky')?.state).toBe('failed');
  });

  test('a resumed run: its actors restart (instances), the coordinator from the counts it was given', () => {
    const f = fixture('resumed');
    const restart = f.transitions.filter((r) => r.actorKind === 'coordinator' && r.from === null)[1];
    const start = f.transitions.find((r) => r.actorKind === 'coordinator' && r.seq > restart.seq)!;
    const report = reSimulate(recordedRunOf(f), { at: start.seq });
    expect(report.actors.find((a) => a.kind === 'coordinator')).toMatchObject({ state: 'running', instances: 2, context: { settled: 1, succeeded: 1 } });
    expect(report.actors.find((a) => a.actorId === 'task:in-flight')).toMatchObject({ state: 'ready', instances: 2, context: { attempt: 1 } });
  });
});

describe('re-simulating a fresh journal from the store', () => {
  const live = manifest('live', [
    sym('a', { retries: 2, parameters: { operation: 'fail', times: 1 } }),
    sym('b', { dependencies: ['a'], parameters: { operation: 'echo', message: { from: 'b' } } }),
    sym('c', { retries: 0, parameters: { operation: 'fail' } }),
    sym('d', { dependencies: ['c'], parameters: { operation: 'noop' } }),
    ...Array.from({ length: 20 }, (_, i) => sym(`n${i}`, { parameters: { operation: 'noop' } })),
  ]);

  test('a run on SQLite, read back through the bulk reader', async () => {
    const h = makeHarness();
    const result = await h.run(live);
    expect(result.status).toBe('failed');
    const report = assertJournalReproduces(readRecordedRun(h.store, result.runId));
    expect(report.compared).toEqual({ tasks: live.symbols.length, runStatus: true, runCounts: true });
    expect(report.actors.find((a) => a.actorId === 'task:a')?.state).toBe('succeeded');
  });

  test('a run on MemoryStore, read through the store interface', async () => {
    const h = makeHarness({ makeStore: () => new MemoryStore() });
    const result = await h.run(live);
    const report = assertJournalReproduces(readRecordedRun(h.store, result.runId));
    expect(report.compared?.tasks).toBe(live.symbols.length);
  });
});

describe('PureMachine', () => {
  const input = { runId: 'r', name: 't', retries: 0, timeout: 1, rollbackTimeout: null, backoff: { base: 1, max: 1 } };

  test('a delay never fires by itself; its xstate.after event takes the transition', async () => {
    const pure = new PureMachine(taskMachine);
    let snapshot = pure.initial(input).microsteps[0].snapshot;
    for (const event of [{ type: 'task.depsMet' }, { type: 'task.assign', node: 'n' }, { type: 'task.started', attempt: 1 }]) {
      snapshot = pure.step(snapshot, event).microsteps.at(-1)!.snapshot;
    }
    await Bun.sleep(20);
    expect(snapshot.value).toBe('running');
    const step = pure.step(snapshot, { type: 'xstate.after.attemptTimeout.task.running' });
    expect(step.microsteps.map((m) => [m.value, m.event])).toEqual([['failed', 'xstate.after.attemptTimeout.task.running']]);
    // Host actions are only recorded, never run: the settlement is how the coordinator learns of it.
    expect(step.actions.map((a) => a.type)).toContain('abortAttempt');
    expect(step.actions.find((a) => a.type === 'announceSettled')?.params).toEqual({ status: 'failed' });
  });
});
