/**
 * The behaviour every SwarmStore implementation must have. test/store.test.ts runs it against
 * each implementation; a new store is done when `runStoreConformance` passes for it.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { SwarmError, type SerializedError } from '../src/errors.ts';
import type {
  NewRun,
  NewTask,
  NewTransition,
  NodeRecord,
  RunStatus,
  StoreBatch,
  SwarmStore,
  TaskPatch,
  TaskStatus,
} from '../src/store/types.ts';
import { runLeaseConformance } from './store-lease-conformance.ts';

export function newRun(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id,
    name: `workflow ${id}`,
    manifestSource: 'name: wf\nsymbols: []\n',
    manifestFormat: 'yaml',
    manifest: { name: 'wf', symbols: [{ name: 'a', parameters: { n: 1 } }] },
    manifestPath: '/tmp/wf.yaml',
    metadata: { owner: 'ops', tags: ['x'] },
    totalTasks: 0,
    replayOf: null,
    createdAt: 1_000,
    ...overrides,
  };
}

export function newTask(runId: string, name: string, overrides: Partial<NewTask> = {}): NewTask {
  return { runId, name, priority: 0, dispatch: 'internal', dependencies: [], ...overrides };
}

export function batch(parts: Partial<StoreBatch>): StoreBatch {
  return { transitions: [], runs: [], tasks: [], nodes: [], ...parts };
}

export function transition(runId: string | null, overrides: Partial<NewTransition> = {}): NewTransition {
  return {
    runId,
    actorId: `task:${runId}:a`,
    actorKind: 'task',
    from: 'pending',
    to: 'ready',
    event: 'DEPENDENCIES_MET',
    payload: { attempt: 1 },
    at: 2_000,
    ...overrides,
  };
}

function node(id: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id,
    kind: 'local',
    status: 'idle',
    capacity: 4,
    running: 0,
    capabilities: ['internal'],
    lastSeenAt: 5_000,
    startedAt: 4_000,
    ...overrides,
  };
}

function expectSwarmCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(SwarmError);
  expect((thrown as SwarmError).code).toBe(code as SwarmError['code']);
}

export function runStoreConformance(name: string, makeStore: () => SwarmStore): void {
  describe(`SwarmStore conformance: ${name}`, () => {
    let store: SwarmStore;
    beforeEach(() => {
      store = makeStore();
    });
    afterEach(() => {
      store.close();
    });

    /** A run with tasks a, b, c (b depends on a) — the common starting point. */
    function seedRun(id = 'r1', overrides: Partial<NewRun> = {}): void {
      store.createRun(newRun(id, { totalTasks: 3, ...overrides }), [
        newTask(id, 'a'),
        newTask(id, 'b', { dependencies: ['a'], priority: 5, dispatch: 'php_engine' }),
        newTask(id, 'c'),
      ]);
    }

    describe('runs and tasks', () => {
      test('createRun stores the run with defaults for what it does not give', () => {
        store.createRun(newRun('r1', { totalTasks: 2, replayOf: 'r0' }), []);
        expect(store.getRun('r1')).toEqual({
          ...newRun('r1', { totalTasks: 2, replayOf: 'r0' }),
          status: 'running',
          completedTasks: 0,
          failedTasks: 0,
          finishedAt: null,
        });
        store.createRun(newRun('r2', { status: 'paused', manifestPath: null, manifestFormat: 'toml' }), []);
        expect(store.getRun('r2')).toMatchObject({ status: 'paused', manifestPath: null, manifestFormat: 'toml' });
      });

      test('a manifest of tens of thousands of symbols reads back as it was written', () => {
        const symbols = Array.from({ length: 25_001 }, (_, i) => ({ name: `s${i}`, parameters: { n: i, text: 'é'.repeat(i % 3) } }));
        const manifest = { name: 'big', metadata: { k: 1 }, symbols };
        store.createRun(newRun('big', { manifest, totalTasks: symbols.length }), symbols.map((s) => ({ name: s.name, priority: 0, dispatch: 'internal' as const, dependencies: [] })));
        expect(store.getRun('big')!.manifest).toEqual(manifest);
        expect(store.getTasks('big').map((t) => t.runId)).toEqual(symbols.map(() => 'big'));
      });

      test('a task created without its runId belongs to the run it is created with', () => {
        store.createRun(newRun('r9'), [{ name: 'x', priority: 1, dispatch: 'internal', dependencies: [] }]);
        expect(store.getTask('r9', 'x')).toMatchObject({ runId: 'r9', name: 'x', dependencies: [] });
      });

      test('createRun stores tasks as pending, with no attempts, output or error', () => {
        seedRun();
        expect(store.getTask('r1', 'b')).toEqual({
          runId: 'r1',
          name: 'b',
          status: 'pending',
          priority: 5,
          dispatch: 'php_engine',
          dependencies: ['a'],
          attempts: 0,
          output: null,
          error: null,
          node: null,
          rollbackOutput: null,
          rollbackError: null,
          reused: false,
          startedAt: null,
          finishedAt: null,
        });
      });

      test('createRun keeps a given task status, output and reused flag (replays)', () => {
        store.createRun(newRun('r1'), [
          newTask('r1', 'a', { status: 'succeeded', output: { rows: [1, 2] }, reused: true }),
          newTask('r1', 'b', { output: undefined }),
        ]);
        expect(store.getTask('r1', 'a')).toMatchObject({ status: 'succeeded', output: { rows: [1, 2] }, reused: true });
        expect(store.getTask('r1', 'b')!.output).toBeNull();
      });

      test('getTasks returns tasks in manifest order, not name order', () => {
        const names = ['zeta', 'alpha', 'b10', 'b9', 'Mid', 'émile'];
        store.createRun(newRun('r1'), names.map((n) => newTask('r1', n)));
        expect(store.getTasks('r1').map((t) => t.name)).toEqual(names);
      });

      test('getTasks leaves out a status and stops at a limit, in manifest order; countTasksByStatus', () => {
        const statuses = ['succeeded', 'failed', 'succeeded', 'skipped', 'failed', 'succeeded', 'cancelled'] as const;
        store.createRun(newRun('r1'), statuses.map((status, i) => newTask('r1', `t${statuses.length - i}`, { status })));
        store.createRun(newRun('r2'), [newTask('r2', 'x', { status: 'failed' })]);
        const names = (tasks: { name: string }[]) => tasks.map((t) => t.name);
        expect(names(store.getTasks('r1', { except: 'succeeded' }))).toEqual(['t6', 't4', 't3', 't1']);
        expect(names(store.getTasks('r1', { except: 'succeeded', limit: 2 }))).toEqual(['t6', 't4']);
        expect(names(store.getTasks('r1', { limit: 3 }))).toEqual(['t7', 't6', 't5']);
        expect(names(store.getTasks('r1', {}))).toEqual(names(store.getTasks('r1')));
        expect(store.getTasks('r1', { except: 'failed', limit: 0 })).toEqual([]);
        expect(store.countTasksByStatus('r1')).toEqual({ succeeded: 3, failed: 2, skipped: 1, cancelled: 1 });
        expect(store.countTasksByStatus('r2')).toEqual({ failed: 1 });
        expect(store.countTasksByStatus('nope')).toEqual({});
      });

      test('countUndoneSuccesses: the tasks a compensation took that had succeeded (no error of their own)', () => {
        const failure = { name: 'Error', code: 'E', message: 'boom' };
        const tasks: [string, TaskStatus, boolean][] = [
          ['a', 'rolled_back', false], ['b', 'rolled_back', true], ['c', 'rolling_back', false], ['d', 'rolling_back', true],
          ['e', 'rollback_failed', false], ['f', 'rollback_failed', true], ['g', 'succeeded', false], ['h', 'failed', true],
        ];
        store.createRun(newRun('r1'), tasks.map(([name]) => newTask('r1', name)));
        store.commit(batch({ tasks: tasks.map(([name, status, failed]) => ({ runId: 'r1', name, status, error: failed ? failure : null })) }));
        expect(store.countUndoneSuccesses('r1')).toEqual({ rolled_back: 1, rolling_back: 1, rollback_failed: 1 });
        expect(store.countTasksByStatus('r1')).toEqual({ rolled_back: 2, rolling_back: 2, rollback_failed: 2, succeeded: 1, failed: 1 });
        expect(store.countUndoneSuccesses('nope')).toEqual({});
      });

      test('unknown ids read as undefined or empty', () => {
        seedRun();
        expect(store.getRun('nope')).toBeUndefined();
        expect(store.getTasks('nope')).toEqual([]);
        expect(store.getTask('r1', 'nope')).toBeUndefined();
        expect(store.getTask('nope', 'a')).toBeUndefined();
        expect(store.getTransitions('nope')).toEqual([]);
      });

      test('createRun is all or nothing: a duplicate task name writes nothing', () => {
        expect(() => store.createRun(newRun('r1'), [newTask('r1', 'a'), newTask('r1', 'a')])).toThrow();
        expect(store.getRun('r1')).toBeUndefined();
        expect(store.counts()).toMatchObject({ runs: 0, tasks: 0 });
      });

      test('createRun refuses a task of another run, a bad status and a duplicate run id', () => {
        expect(() => store.createRun(newRun('r1'), [newTask('r1', 'a'), newTask('r2', 'b')])).toThrow(TypeError);
        expect(() =>
          store.createRun(newRun('r1'), [newTask('r1', 'a', { status: 'bogus' as never })]),
        ).toThrow(TypeError);
        expect(() => store.createRun(newRun('r1', { status: 'pending' as never }), [])).toThrow(TypeError);
        expect(store.counts()).toMatchObject({ runs: 0, tasks: 0 });
        seedRun();
        expect(() => store.createRun(newRun('r1'), [newTask('r1', 'z')])).toThrow();
        expect(store.getTasks('r1').map((t) => t.name)).toEqual(['a', 'b', 'c']);
      });

      test('records handed out are copies', () => {
        store.createRun(newRun('r1'), [newTask('r1', 'a', { output: { n: 1 } })]);
        store.getTask('r1', 'a')!.dependencies.push('x');
        (store.getTask('r1', 'a')!.output as { n: number }).n = 2;
        (store.getRun('r1')!.metadata as { owner: string }).owner = 'mallory';
        expect(store.getTask('r1', 'a')).toMatchObject({ dependencies: [], output: { n: 1 } });
        expect(store.getRun('r1')!.metadata).toEqual({ owner: 'ops', tags: ['x'] });
      });
    });

    describe('journal', () => {
      test('commit assigns increasing seqs; getTransitions returns them in order, fields intact', () => {
        seedRun();
        store.commit(batch({ transitions: [transition('r1', { to: 'ready' }), transition('r1', { to: 'assigned' })] }));
        store.commit(batch({ transitions: [transition('r1', { from: null, to: 'running', payload: undefined })] }));
        const rows = store.getTransitions('r1');
        expect(rows.map((t) => t.to)).toEqual(['ready', 'assigned', 'running']);
        expect(rows[0].seq).toBeGreaterThan(0);
        expect(rows[1].seq).toBeGreaterThan(rows[0].seq);
        expect(rows[2].seq).toBeGreaterThan(rows[1].seq);
        const { seq: _seq, ...first } = rows[0];
        expect(first).toEqual(transition('r1', { to: 'ready' }));
        expect(rows[2]).toMatchObject({ from: null, payload: null });
      });

      test('getTransitions pages with afterSeq (exclusive) and limit', () => {
        seedRun();
        store.commit(batch({ transitions: Array.from({ length: 10 }, (_, i) => transition('r1', { at: i })) }));
        const all = store.getTransitions('r1');
        expect(all.map((t) => t.at)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(store.getTransitions('r1', { limit: 3 }).map((t) => t.at)).toEqual([0, 1, 2]);
        expect(store.getTransitions('r1', { afterSeq: all[3].seq }).map((t) => t.at)).toEqual([4, 5, 6, 7, 8, 9]);
        expect(store.getTransitions('r1', { afterSeq: all[3].seq, limit: 2 }).map((t) => t.at)).toEqual([4, 5]);
        expect(store.getTransitions('r1', { afterSeq: all[9].seq })).toEqual([]);
        expect(store.getTransitions('r1', { limit: 0 })).toEqual([]);
        expect(() => store.getTransitions('r1', { limit: -1 })).toThrow(TypeError);
      });

      test("an actor's transitions one after another read back one record each, seqs dense, whatever the paging", () => {
        seedRun();
        const other = (to: string) => transition('r1', { actorId: 'task:r1:b', to, payload: null });
        const sent = [
          transition('r1', { from: null, to: 'pending', event: 'xstate.init', payload: null, at: 1 }),
          transition('r1', { from: 'pending', to: 'ready', payload: { why: ['deps', 1] }, at: 2 }),
          transition('r1', { from: 'ready', to: 'assigned', payload: 'a "quoted" \\ text', at: 3 }),
          other('ready'),
          ...Array.from({ length: 40 }, (_, i) => transition('r1', { to: `s${i}`, event: `e${i}`, payload: i % 3 === 0 ? null : { i }, at: 10 + i })),
          other('assigned'),
        ];
        store.commit(batch({ transitions: sent }));
        const all = store.getTransitions('r1');
        expect(all.map(({ seq: _seq, ...t }) => t)).toEqual(sent.map((t) => ({ ...t, payload: t.payload ?? null })));
        for (let i = 1; i < all.length; i++) expect(all[i].seq).toBe(all[i - 1].seq + 1);
        expect(store.counts().transitions).toBe(sent.length);
        for (const after of [0, 1, 2, 3, 20, 36, 43, 44]) {
          expect(store.getTransitions('r1', { afterSeq: all[after].seq })).toEqual(all.slice(after + 1));
          expect(store.getTransitions('r1', { afterSeq: all[after].seq, limit: 2 })).toEqual(all.slice(after + 1, after + 3));
        }
        expect(store.getTransitions('r1', { afterSeq: all[0].seq - 1, limit: 1 })).toEqual([all[0]]);
      });

      test('journals of different runs stay apart; run-less rows are counted only', () => {
        seedRun('r1');
        seedRun('r2');
        store.commit(
          batch({
            transitions: [
              transition('r1', { event: 'E1' }),
              transition('r2', { event: 'E2' }),
              transition(null, { actorId: 'dispatcher', actorKind: 'dispatcher', event: 'START' }),
              transition('r1', { event: 'E3' }),
            ],
          }),
        );
        expect(store.getTransitions('r1').map((t) => t.event)).toEqual(['E1', 'E3']);
        expect(store.getTransitions('r2').map((t) => t.event)).toEqual(['E2']);
        expect(store.counts().transitions).toBe(4);
      });

      test('a node or dispatcher row naming a deleted run is kept without the run id; the batch commits', () => {
        seedRun('r1');
        store.commit(
          batch({
            transitions: [
              transition('gone', { actorId: 'node:local', actorKind: 'node', event: 'node.attemptsEnded' }),
              transition('gone', { actorId: 'dispatcher', actorKind: 'dispatcher', event: 'dispatcher.runFinished' }),
              transition('r1', { event: 'E1' }),
            ],
          }),
        );
        expect(store.getTransitions('r1').map((t) => t.event)).toEqual(['E1']);
        expect(store.counts().transitions).toBe(3);
      });

      test('a seq is never reused, even after the newest run is deleted', () => {
        seedRun('r1', { status: 'succeeded' });
        store.commit(batch({ transitions: [transition('r1'), transition('r1')] }));
        const last = store.getTransitions('r1').at(-1)!.seq;
        expect(store.deleteFinishedRunsBefore(Number.MAX_SAFE_INTEGER)).toBe(1);
        seedRun('r2');
        store.commit(batch({ transitions: [transition('r2')] }));
        expect(store.getTransitions('r2')[0].seq).toBeGreaterThan(last);
      });
    });

    describe('patches', () => {
      test('a task patch changes only the fields it gives', () => {
        seedRun();
        const before = store.getTask('r1', 'b')!;
        const patch: TaskPatch = { runId: 'r1', name: 'b', status: 'running', attempts: 1, node: 'local', startedAt: 10 };
        store.commit(batch({ tasks: [patch] }));
        expect(store.getTask('r1', 'b')).toEqual({ ...before, status: 'running', attempts: 1, node: 'local', startedAt: 10 });
        store.commit(batch({ tasks: [{ runId: 'r1', name: 'b', status: 'succeeded', output: 'done', finishedAt: 20 }] }));
        expect(store.getTask('r1', 'b')).toMatchObject({
          status: 'succeeded', attempts: 1, node: 'local', startedAt: 10, finishedAt: 20, output: 'done',
        });
        expect(store.getTask('r1', 'a')!.status).toBe('pending');
      });

      test('undefined means "not given"; null clears', () => {
        seedRun();
        const error: SerializedError = { name: 'Error', code: 'E_BOOM', message: 'boom' };
        store.commit(batch({ tasks: [{ runId: 'r1', name: 'a', node: 'n1', error, output: 1 }] }));
        store.commit(batch({ tasks: [{ runId: 'r1', name: 'a', node: undefined, error: undefined, status: 'retrying' }] }));
        expect(store.getTask('r1', 'a')).toMatchObject({ node: 'n1', error, output: 1, status: 'retrying' });
        store.commit(batch({ tasks: [{ runId: 'r1', name: 'a', node: null, error: null, output: null }] }));
        expect(store.getTask('r1', 'a')).toMatchObject({ node: null, error: null, output: null });
      });

      test('outputs of every JSON shape round-trip', () => {
        const outputs: unknown[] = [
          { a: 1, nested: { list: [1, 'two', null, true], empty: {} } },
          [1, [2, [3]], { x: 'y' }],
          'plain text with "quotes" and ünïcödé ✓',
          '',
          0,
          -12.5,
          true,
          false,
          null,
          'x'.repeat(100_000),
        ];
        store.createRun(newRun('r1'), outputs.map((_, i) => newTask('r1', `t${i}`)));
        store.commit(batch({ tasks: outputs.map((output, i) => ({ runId: 'r1', name: `t${i}`, output, rollbackOutput: output })) }));
        const tasks = store.getTasks('r1');
        expect(tasks.map((t) => t.output)).toEqual(outputs);
        expect(tasks.map((t) => t.rollbackOutput)).toEqual(outputs);
      });

      test('outputs follow JSON rules: undefined properties vanish, Dates become strings', () => {
        seedRun();
        const output = { kept: 1, dropped: undefined, when: new Date(0), list: [undefined, 2] };
        store.commit(batch({ tasks: [{ runId: 'r1', name: 'a', output }] }));
        expect(store.getTask('r1', 'a')!.output).toEqual({ kept: 1, when: '1970-01-01T00:00:00.000Z', list: [null, 2] });
      });

      test('errors round-trip with code and stack', () => {
        seedRun();
        const error: SerializedError = { name: 'TaskTimeoutError', message: 'late', code: 'TASK_TIMEOUT', stack: 'at x\n at y' };
        const rollbackError: SerializedError = { name: 'Error', code: 'UNKNOWN', message: 'could not undo' };
        store.commit(batch({ tasks: [{ runId: 'r1', name: 'c', status: 'rollback_failed', error, rollbackError, reused: true }] }));
        expect(store.getTask('r1', 'c')).toMatchObject({ status: 'rollback_failed', error, rollbackError, reused: true });
      });

      test('a run patch changes only the fields it gives', () => {
        seedRun();
        store.commit(batch({ runs: [{ id: 'r1', completedTasks: 2 }] }));
        store.commit(batch({ runs: [{ id: 'r1', status: 'failed', failedTasks: 1, finishedAt: 99 }] }));
        expect(store.getRun('r1')).toEqual({
          ...newRun('r1', { totalTasks: 3 }),
          status: 'failed',
          completedTasks: 2,
          failedTasks: 1,
          finishedAt: 99,
        });
      });

      test('patches in one batch apply in order; a patch with no fields is a no-op', () => {
        seedRun();
        store.commit(
          batch({
            tasks: [
              { runId: 'r1', name: 'a', status: 'ready' },
              { runId: 'r1', name: 'a', status: 'assigned', attempts: 1 },
              { runId: 'r1', name: 'a' },
            ],
            runs: [{ id: 'r1', completedTasks: 1 }, { id: 'r1', completedTasks: 2 }, { id: 'r1' }],
          }),
        );
        expect(store.getTask('r1', 'a')).toMatchObject({ status: 'assigned', attempts: 1 });
        expect(store.getRun('r1')!.completedTasks).toBe(2);
      });
    });

    describe('commit atomicity', () => {
      /** Commits a good batch plus one bad part; checks it throws and that nothing of the batch landed. */
      function expectRejected(bad: Partial<StoreBatch>, expectThrow: (fn: () => void) => void): void {
        seedRun();
        store.commit(batch({ transitions: [transition('r1')] }));
        const before = { counts: store.counts(), tasks: store.getTasks('r1'), run: store.getRun('r1'), nodes: store.listNodes() };
        const good = batch({
          transitions: [transition('r1', { event: 'GOOD' })],
          runs: [{ id: 'r1', completedTasks: 1 }],
          tasks: [{ runId: 'r1', name: 'a', status: 'succeeded', output: 'ok' }],
          nodes: [node('n1')],
        });
        expectThrow(() =>
          store.commit({
            transitions: [...good.transitions, ...(bad.transitions ?? [])],
            runs: [...good.runs, ...(bad.runs ?? [])],
            tasks: [...good.tasks, ...(bad.tasks ?? [])],
            nodes: [...good.nodes, ...(bad.nodes ?? [])],
          }),
        );
        expect(store.counts()).toEqual(before.counts);
        expect(store.getTasks('r1')).toEqual(before.tasks);
        expect(store.getRun('r1')).toEqual(before.run);
        expect(store.listNodes()).toEqual(before.nodes);
        // The store is still usable, and the journal goes on.
        store.commit(good);
        expect(store.getTransitions('r1').map((t) => t.event)).toEqual(['DEPENDENCIES_MET', 'GOOD']);
      }
      const notFound = (fn: () => void) => expectSwarmCode(fn, 'RUN_NOT_FOUND');
      const typeError = (fn: () => void) => expect(fn).toThrow(TypeError);

      test('a task patch for a run that does not exist', () =>
        expectRejected({ tasks: [{ runId: 'ghost', name: 'a', status: 'failed' }] }, notFound));
      test('a task patch for a task the run does not have', () =>
        expectRejected({ tasks: [{ runId: 'r1', name: 'ghost', status: 'failed' }] }, notFound));
      test('a field-less task patch for a missing task', () =>
        expectRejected({ tasks: [{ runId: 'r1', name: 'ghost' }] }, notFound));
      test('a run patch for a run that does not exist', () =>
        expectRejected({ runs: [{ id: 'ghost', status: 'failed' }] }, notFound));
      test('a transition for a run that does not exist', () =>
        expectRejected({ transitions: [transition('ghost')] }, notFound));
      test('an unknown task status', () =>
        expectRejected({ tasks: [{ runId: 'r1', name: 'b', status: 'done' as never }] }, typeError));
      test('an unknown run status', () => expectRejected({ runs: [{ id: 'r1', status: 'pending' as never }] }, typeError));
      test('an unknown actor kind', () =>
        expectRejected({ transitions: [transition('r1', { actorKind: 'robot' as never })] }, typeError));
      test('a transition without a target state', () =>
        expectRejected({ transitions: [transition('r1', { to: undefined as never })] }, typeError));
      test('an unknown node kind', () => expectRejected({ nodes: [node('n2', { kind: 'cloud' as never })] }, typeError));
      test('a payload JSON cannot encode', () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        expectRejected({ transitions: [transition('r1', { payload: cyclic })] }, (fn) => expect(fn).toThrow());
      });

      test('an empty batch is a no-op', () => {
        store.commit(batch({}));
        expect(store.counts()).toEqual({ runs: 0, tasks: 0, transitions: 0, nodes: 0, state: 0 });
      });
    });

    describe('nodes', () => {
      test('commit upserts nodes; listNodes orders them by id', () => {
        store.commit(batch({ nodes: [node('worker-b', { kind: 'remote', capabilities: ['php', 'rust'] }), node('local')] }));
        store.commit(batch({ nodes: [node('worker-b', { kind: 'remote', status: 'busy', running: 3, lastSeenAt: 9_000 })] }));
        expect(store.listNodes()).toEqual([
          node('local'),
          node('worker-b', { kind: 'remote', status: 'busy', running: 3, lastSeenAt: 9_000 }),
        ]);
        expect(store.counts().nodes).toBe(2);
      });

      test('deleteNodesLastSeenBefore drops nodes not seen since then and their run-less journal rows, nothing else', () => {
        seedRun('r1');
        store.commit(
          batch({
            nodes: [
              node('remote:gone', { kind: 'remote', status: 'lost', lastSeenAt: 100 }),
              node('remote:crashed-dispatcher', { kind: 'remote', status: 'busy', lastSeenAt: 200 }),
              node('remote:boundary', { kind: 'remote', status: 'lost', lastSeenAt: 500 }),
              node('remote:live', { kind: 'remote', status: 'idle', lastSeenAt: 900 }),
            ],
            transitions: [
              transition(null, { actorId: 'node:remote:gone', actorKind: 'node', at: 100 }),
              transition(null, { actorId: 'node:remote:gone', actorKind: 'node', at: 499 }),
              transition(null, { actorId: 'node:remote:live', actorKind: 'node', at: 600 }),
              transition(null, { actorId: 'dispatcher', actorKind: 'dispatcher', at: 100 }),
              // A node's row that names a run goes with the run, not with the node.
              transition('r1', { actorId: 'node:remote:gone', actorKind: 'node', at: 100 }),
            ],
          }),
        );
        expect(store.deleteNodesLastSeenBefore(500)).toBe(2);
        expect(store.listNodes().map((n) => n.id)).toEqual(['remote:boundary', 'remote:live']);
        expect(store.getTransitions('r1')).toHaveLength(1);
        expect(store.counts()).toMatchObject({ nodes: 2, transitions: 3 });
        expect(store.deleteNodesLastSeenBefore(500)).toBe(0);
        // A node that comes back writes its row again.
        store.commit(batch({ nodes: [node('remote:gone', { kind: 'remote', lastSeenAt: 1_000 })] }));
        expect(store.listNodes().map((n) => n.id)).toEqual(['remote:boundary', 'remote:gone', 'remote:live']);
        expect(store.deleteNodesLastSeenBefore(Number.MAX_SAFE_INTEGER)).toBe(3);
        expect(store.counts()).toMatchObject({ nodes: 0, transitions: 2 });
      });
    });

    describe('listRuns', () => {
      function seedRuns(): void {
        const runs: [string, number, RunStatus][] = [
          ['old', 100, 'succeeded'],
          ['mid', 200, 'failed'],
          ['new', 300, 'running'],
          ['tie-first', 250, 'succeeded'],
          ['tie-second', 250, 'cancelled'],
        ];
        for (const [id, createdAt, status] of runs) store.createRun(newRun(id, { createdAt, status }), []);
      }

      test('newest first; runs created in the same millisecond newest-inserted first', () => {
        seedRuns();
        expect(store.listRuns().map((r) => r.id)).toEqual(['new', 'tie-second', 'tie-first', 'mid', 'old']);
      });

      test('limit and status filter', () => {
        seedRuns();
        expect(store.listRuns({ limit: 2 }).map((r) => r.id)).toEqual(['new', 'tie-second']);
        expect(store.listRuns({ status: ['succeeded', 'failed'] }).map((r) => r.id)).toEqual(['tie-first', 'mid', 'old']);
        expect(store.listRuns({ status: ['succeeded'], limit: 1 }).map((r) => r.id)).toEqual(['tie-first']);
        expect(store.listRuns({ status: ['paused'] })).toEqual([]);
        expect(store.listRuns({ status: [] })).toEqual([]);
        expect(store.listRuns({ limit: 0 })).toEqual([]);
        expect(() => store.listRuns({ limit: 1.5 })).toThrow(TypeError);
        expect(() => store.listRuns({ status: ['pending' as never] })).toThrow(TypeError);
      });

      test('listRunsByIdPrefix: the runs whose id starts with the prefix, in id order, up to the limit', () => {
        for (const id of ['2026-b', '2026-a2', '2026-a1', '2027-a', '2026', 'x%_*?', 'x%a', 'é1', 'é']) seedRun(id);
        const ids = (prefix: string, limit = 100) => store.listRunsByIdPrefix(prefix, limit).map((run) => run.id);
        expect(ids('2026-a')).toEqual(['2026-a1', '2026-a2']);
        expect(ids('2026')).toEqual(['2026', '2026-a1', '2026-a2', '2026-b']);
        expect(ids('2026', 2)).toEqual(['2026', '2026-a1']);
        // Characters that are patterns elsewhere (LIKE, GLOB) are themselves here.
        expect(ids('x%_')).toEqual(['x%_*?']);
        expect(ids('é')).toEqual(['é', 'é1']);
        expect(ids('2028')).toEqual([]);
        const { manifestSource: _s, manifest: _m, ...listing } = store.getRun('2026-b')!;
        expect(store.listRunsByIdPrefix('2026-b', 1)).toEqual([listing]);
      });

      test('listRuns and getRunListing return whole records but for the manifest (getRun has it)', () => {
        seedRun('r1');
        const { manifestSource, manifest, ...listing } = store.getRun('r1')!;
        expect(manifestSource.length).toBeGreaterThan(0);
        expect(manifest).not.toBeNull();
        expect(store.listRuns()).toEqual([listing]);
        expect(store.getRunListing('r1')).toEqual(listing);
        expect(store.getRunListing('nope')).toBeUndefined();
      });
    });

    describe('state', () => {
      test('get/set/delete with JSON values', () => {
        const values: Record<string, unknown> = {
          object: { a: [1, { b: null }] },
          array: ['x', 2],
          string: 'héllo',
          empty: '',
          number: 3.25,
          zero: 0,
          boolean: false,
          null: null,
        };
        for (const [key, value] of Object.entries(values)) store.stateSet(key, value);
        for (const [key, value] of Object.entries(values)) expect(store.stateGet(key)).toEqual(value);
        expect(store.stateGet('missing')).toBeUndefined();
        store.stateSet('string', { replaced: true });
        expect(store.stateGet('string')).toEqual({ replaced: true });
        expect(store.stateDelete('string')).toBe(true);
        expect(store.stateDelete('string')).toBe(false);
        expect(store.stateGet('string')).toBeUndefined();
        expect(store.counts().state).toBe(Object.keys(values).length - 1);
      });

      test('undefined is stored as null: the key exists and reads null', () => {
        store.stateSet('k', undefined);
        expect(store.stateGet('k')).toBeNull();
        expect(store.counts().state).toBe(1);
      });
    });

    describe('listUnfinishedRunIds', () => {
      test('lists running and paused runs, oldest first, and nothing finished', () => {
        seedRun('new-running', { createdAt: 300 });
        seedRun('old-paused', { createdAt: 100, status: 'paused' });
        seedRun('done', { createdAt: 200, status: 'succeeded' });
        seedRun('rolled', { createdAt: 250, status: 'rolled_back' });
        expect(store.listUnfinishedRunIds()).toEqual(['old-paused', 'new-running']);
      });
    });

    runLeaseConformance(() => store);

    describe('counts and cleanup', () => {
      test('counts counts every table', () => {
        seedRun('r1');
        store.createRun(newRun('r2'), [newTask('r2', 'x')]);
        store.commit(batch({ transitions: [transition('r1'), transition('r2'), transition(null)], nodes: [node('n')] }));
        store.stateSet('a', 1);
        expect(store.counts()).toEqual({ runs: 2, tasks: 4, transitions: 3, nodes: 1, state: 1 });
      });

      test('deleteFinishedRunsBefore deletes old finished runs with their tasks and journal, nothing else', () => {
        const runs: [string, number, RunStatus][] = [
          ['old-succeeded', 100, 'succeeded'],
          ['old-failed', 100, 'failed'],
          ['old-cancelled', 100, 'cancelled'],
          ['old-running', 100, 'running'],
          ['old-paused', 100, 'paused'],
          ['boundary-succeeded', 500, 'succeeded'],
          ['new-succeeded', 900, 'succeeded'],
        ];
        for (const [id, createdAt, status] of runs) {
          seedRun(id, { createdAt, status });
          store.commit(batch({ transitions: [transition(id), transition(id)] }));
        }
        store.commit(batch({ transitions: [transition(null)] }));
        store.stateSet('kept', true);

        expect(store.deleteFinishedRunsBefore(500)).toBe(3);
        expect(store.listRuns().map((r) => r.id).sort()).toEqual(
          ['boundary-succeeded', 'new-succeeded', 'old-paused', 'old-running'].sort(),
        );
        expect(store.getTasks('old-failed')).toEqual([]);
        expect(store.getTransitions('old-failed')).toEqual([]);
        expect(store.getTasks('old-running')).toHaveLength(3);
        expect(store.getTransitions('old-running')).toHaveLength(2);
        expect(store.counts()).toEqual({ runs: 4, tasks: 12, transitions: 9, nodes: 0, state: 1 });

        // Running and paused runs survive any cutoff.
        expect(store.deleteFinishedRunsBefore(Number.MAX_SAFE_INTEGER)).toBe(2);
        expect(store.listRuns().map((r) => r.id).sort()).toEqual(['old-paused', 'old-running']);
        expect(store.deleteFinishedRunsBefore(Number.MAX_SAFE_INTEGER)).toBe(0);
      });

      test('a finished run can be deleted and its id used again', () => {
        seedRun('r1', { status: 'failed' });
        store.deleteFinishedRunsBefore(Number.MAX_SAFE_INTEGER);
        seedRun('r1');
        expect(store.getTasks('r1')).toHaveLength(3);
        expect(store.getTransitions('r1')).toEqual([]);
      });
    });

    describe('lifecycle', () => {
      test('close is idempotent and the store refuses work afterwards', () => {
        store.close();
        store.close();
        expect(() => store.getRun('r1')).toThrow();
        expect(() => store.commit(batch({ transitions: [transition(null)] }))).toThrow();
      });
    });
  });
}
