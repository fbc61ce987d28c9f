import { afterEach, describe, expect, test } from 'bun:test';
import { SimulatedClock } from 'xstate';
import { JournalRecorder, type JournalRecorderOptions } from '../../actors/journal/journal-recorder.ts';
import { stateName } from '../../actors/journal/row-fields.ts';
import { nodeProjector, projectNothing, projectRun, projectTask } from '../../actors/journal/projections.ts';
import { coordinatorMachine } from '../../machines/coordinator-machine.ts';
import { dispatcherMachine } from '../../machines/dispatcher-machine.ts';
import { nodeMachine } from '../../machines/node-machine.ts';
import { taskMachine, type TaskInput } from '../../machines/task-machine.ts';
import { coordinatorMessages, dispatcherMessages, nodeMessages, taskMessages } from '../../src/messages.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { CommitOutcome } from '../../src/store/run-lease.ts';
import type { NewTransition, StoreBatch } from '../../src/store/types.ts';
import { newRun, newTask } from '../store-conformance.ts';

const RUN = 'run-1';
const BOOM = { name: 'Error', code: 'OPERATION_FAILED', message: 'boom' };

/** A MemoryStore that keeps a copy of every batch it commits and can be told to refuse one. */
class RecordingStore extends MemoryStore {
  readonly batches: StoreBatch[] = [];
  refuseWith: Error | null = null;

  override commit(batch: StoreBatch): CommitOutcome {
    if (this.refuseWith) throw this.refuseWith;
    this.batches.push(structuredClone(batch));
    return super.commit(batch);
  }

  /** Every row committed so far, of any run or none, without seq. */
  get rows(): NewTransition[] {
    return this.batches.flatMap((b) => b.transitions);
  }
}

const recorders: JournalRecorder[] = [];
afterEach(() => {
  // No buffered work or flush timer outlives its test.
  for (const recorder of recorders.splice(0)) if (!recorder.error) recorder.flush();
});

/** A store holding run-1 (tasks fetch, deploy), a recorder on it, and actor factories. */
function setup(options: Partial<JournalRecorderOptions> = {}) {
  const store = new RecordingStore();
  store.createRun(newRun(RUN, { totalTasks: 2 }), [newTask(RUN, 'fetch'), newTask(RUN, 'deploy')]);
  const clock = new SimulatedClock();
  const time = { now: 10_000 };
  const recorder = new JournalRecorder({ store, clock, now: () => time.now, groupCommitMs: 60_000, ...options });
  recorders.push(recorder);

  const task = (name = 'fetch', input: Partial<TaskInput> = {}) => {
    const actor = recorder.createActor(
      taskMachine,
      { actorId: `task:${name}`, kind: 'task', runId: RUN, project: projectTask },
      { runId: RUN, name, retries: 0, timeout: 1_000, rollbackTimeout: null, backoff: { base: 100, max: 100 }, ...input },
    );
    actor.start();
    return actor;
  };
  const coordinator = (total = 2) => {
    const actor = recorder.createActor(
      coordinatorMachine,
      { actorId: `coordinator:${RUN}`, kind: 'coordinator', runId: RUN, project: projectRun },
      { runId: RUN, total },
    );
    actor.start();
    return actor;
  };
  const node = () => {
    const actor = recorder.createActor(
      nodeMachine,
      { actorId: 'node:local', kind: 'node', runId: null, project: nodeProjector('local', ['internal'], 500) },
      { nodeId: 'local', capacity: 4 },
    );
    actor.start();
    return actor;
  };
  const dispatcher = () => {
    const actor = recorder.createActor(
      dispatcherMachine,
      { actorId: 'dispatcher', kind: 'dispatcher', runId: null, project: projectNothing },
    );
    actor.start();
    return actor;
  };
  /** The run's journal as the store returns it, without seq. */
  const journal = () => store.getTransitions(RUN).map(({ seq: _seq, ...row }) => row);
  const transitions = () => journal().map((r) => `${r.actorId}: ${r.from} -> ${r.to} (${r.event})`);

  return { store, clock, time, recorder, task, coordinator, node, dispatcher, journal, transitions };
}

describe('JournalRecorder: rows', () => {
  test('starting an actor records its initial state, from nothing, under xstate.init', () => {
    const j = setup();
    j.task();
    j.recorder.flush();
    expect(j.journal()).toEqual([
      { runId: RUN, actorId: 'task:fetch', actorKind: 'task', from: null, to: 'pending', event: 'xstate.init', payload: null, at: 10_000 },
    ]);
  });

  test('each state change is one row with from, to, event, payload and time', () => {
    const j = setup();
    const task = j.task();
    j.time.now = 10_001;
    task.send(taskMessages.depsMet());
    j.time.now = 10_002;
    task.send(taskMessages.assign('local'));
    j.recorder.flush();
    expect(j.journal().slice(1)).toEqual([
      { runId: RUN, actorId: 'task:fetch', actorKind: 'task', from: 'pending', to: 'ready', event: 'task.depsMet', payload: null, at: 10_001 },
      { runId: RUN, actorId: 'task:fetch', actorKind: 'task', from: 'ready', to: 'assigned', event: 'task.assign', payload: { node: 'local' }, at: 10_002 },
    ]);
  });

  test('a whole task lifecycle is journaled step by step, the eventless and delayed steps included', () => {
    const j = setup();
    const task = j.task('fetch', { retries: 1 });
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    task.send(taskMessages.started(1));
    task.send(taskMessages.failed(1, BOOM));
    j.clock.increment(100);
    task.send(taskMessages.assign('local'));
    task.send(taskMessages.started(2));
    task.send(taskMessages.succeeded(2, 'ok'));
    j.recorder.flush();
    expect(j.transitions()).toEqual([
      'task:fetch: null -> pending (xstate.init)',
      'task:fetch: pending -> ready (task.depsMet)',
      'task:fetch: ready -> assigned (task.assign)',
      'task:fetch: assigned -> running (task.started)',
      'task:fetch: running -> failed (task.failed)',
      'task:fetch: failed -> retrying (task.failed)',
      'task:fetch: retrying -> ready (xstate.after.retryDelay.task.retrying)',
      'task:fetch: ready -> assigned (task.assign)',
      'task:fetch: assigned -> running (task.started)',
      'task:fetch: running -> succeeded (task.succeeded)',
    ]);
  });

  test('the payload is the event without its type', () => {
    const j = setup();
    const task = j.task();
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    task.send(taskMessages.started(1));
    task.send(taskMessages.failed(1, BOOM, false));
    j.recorder.flush();
    expect(j.journal().at(-1)?.payload).toEqual({ attempt: 1, error: BOOM, retryable: false });
  });

  test('an event that only changes context writes no row', () => {
    const j = setup();
    const node = j.node();
    node.send(nodeMessages.attemptsStarted(RUN, 1));
    node.send(nodeMessages.attemptsStarted(RUN, 2));
    node.send(nodeMessages.attemptsEnded(RUN, 1));
    j.recorder.flush();
    expect(j.store.rows.map((r) => `${r.from} -> ${r.to}`)).toEqual(['null -> idle', 'idle -> busy']);
  });

  test('a batch of attempts that started and ended on an idle node writes no row and no projection', () => {
    const j = setup();
    const node = j.node();
    j.recorder.flush();
    const batchesBefore = j.store.batches.length;
    node.send(nodeMessages.attemptsCounted(RUN, 1, 1));
    node.send(nodeMessages.attemptsCounted(RUN, 3, 3));
    j.recorder.flush();
    expect(j.store.batches.length).toBe(batchesBefore);
    node.send(nodeMessages.attemptsCounted(RUN, 3, 1));
    node.send(nodeMessages.attemptsCounted(RUN, 1, 3));
    j.recorder.flush();
    expect(j.store.rows.map((r) => `${r.from} -> ${r.to} (${r.event})`)).toEqual([
      'null -> idle (xstate.init)',
      'idle -> busy (node.attemptsCounted)',
      'busy -> idle (node.attemptsCounted)',
    ]);
    expect(j.store.batches.at(-1)!.nodes.map((n) => [n.status, n.running])).toEqual([['idle', 0]]);
  });

  test('a settlement that does not finish the run writes no coordinator row', () => {
    const j = setup();
    const coordinator = j.coordinator(2);
    coordinator.send(coordinatorMessages.start());
    coordinator.send(coordinatorMessages.tasksSettled([{ task: 'fetch', status: 'succeeded' }]));
    j.recorder.flush();
    expect(j.transitions()).toEqual([
      `coordinator:${RUN}: null -> idle (xstate.init)`,
      `coordinator:${RUN}: idle -> running (run.start)`,
    ]);
  });

  test('an event the machine ignores writes no row', () => {
    const j = setup();
    const task = j.task();
    task.send(taskMessages.started(1));
    task.send(taskMessages.compensate({ output: null, attempts: 1, node: null }));
    j.recorder.flush();
    expect(j.journal()).toHaveLength(1);
  });

  test('rows of several actors keep the order they happened in', () => {
    const j = setup();
    const fetch = j.task('fetch');
    const deploy = j.task('deploy');
    deploy.send(taskMessages.skip('fetch'));
    fetch.send(taskMessages.depsMet());
    j.recorder.flush();
    expect(j.transitions()).toEqual([
      'task:fetch: null -> pending (xstate.init)',
      'task:deploy: null -> pending (xstate.init)',
      'task:deploy: pending -> skipped (task.skip)',
      'task:fetch: pending -> ready (task.depsMet)',
    ]);
  });
});

describe('JournalRecorder: run attribution', () => {
  test('task and coordinator rows carry the run of their tag', () => {
    const j = setup();
    j.task();
    j.coordinator();
    j.recorder.flush();
    expect(j.store.rows.map((r) => [r.actorKind, r.runId])).toEqual([
      ['task', RUN],
      ['coordinator', RUN],
    ]);
  });

  test('a node row takes its run from the event payload', () => {
    const j = setup();
    j.node().send(nodeMessages.attemptsStarted(RUN, 1));
    j.recorder.flush();
    expect(j.journal()).toEqual([
      { runId: RUN, actorId: 'node:local', actorKind: 'node', from: 'idle', to: 'busy', event: 'node.attemptsStarted', payload: { runId: RUN, count: 1 }, at: 10_000 },
    ]);
  });

  test('a node row whose event names no run belongs to no run', () => {
    const j = setup();
    j.node().send(nodeMessages.drain());
    j.recorder.flush();
    expect(j.store.rows.map((r) => [r.to, r.runId])).toEqual([
      ['idle', null],
      ['draining', null],
      ['stopped', null],
    ]);
    expect(j.journal()).toEqual([]);
  });

  test('a dispatcher row takes its run from runAccepted and has none otherwise', () => {
    const j = setup();
    const dispatcher = j.dispatcher();
    dispatcher.send(dispatcherMessages.ready());
    dispatcher.send(dispatcherMessages.runAccepted(RUN));
    j.recorder.flush();
    expect(j.store.rows.map((r) => [r.actorKind, r.to, r.runId])).toEqual([
      ['dispatcher', 'starting', null],
      ['dispatcher', 'idle', null],
      ['dispatcher', 'busy', RUN],
    ]);
  });
});

describe('JournalRecorder: group commit', () => {
  test('nothing reaches the store before flush', () => {
    const j = setup();
    const task = j.task();
    task.send(taskMessages.depsMet());
    expect(j.store.batches).toEqual([]);
    expect(j.store.counts().transitions).toBe(0);
    expect(j.store.getTask(RUN, 'fetch')?.status).toBe('pending');
  });

  test('flush writes every buffered row and projection in one commit', () => {
    const j = setup();
    j.coordinator().send(coordinatorMessages.start());
    j.task('fetch').send(taskMessages.depsMet());
    j.task('deploy').send(taskMessages.skip('fetch'));
    j.recorder.flush();
    expect(j.store.batches).toHaveLength(1);
    expect(j.journal()).toHaveLength(6);
    expect(j.store.batches[0].tasks.map((t) => [t.name, t.status])).toEqual([
      ['fetch', 'ready'],
      ['deploy', 'skipped'],
    ]);
    expect(j.store.batches[0].runs).toHaveLength(1);
  });

  test('each actor is projected once per flush, from its latest snapshot', () => {
    const j = setup();
    const task = j.task();
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    j.recorder.flush();
    expect(j.store.batches[0].tasks).toHaveLength(1);
    expect(j.store.batches[0].tasks[0].status).toBe('assigned');
  });

  test('a second flush writes only what happened since the first', () => {
    const j = setup();
    const task = j.task();
    j.recorder.flush();
    task.send(taskMessages.depsMet());
    j.recorder.flush();
    expect(j.store.batches[1].transitions.map((r) => r.to)).toEqual(['ready']);
    expect(j.journal().map((r) => r.to)).toEqual(['pending', 'ready']);
  });

  test('a flush with nothing buffered commits nothing', () => {
    const j = setup();
    j.task();
    j.recorder.flush();
    j.recorder.flush();
    expect(j.store.batches).toHaveLength(1);
  });

  test('once maxBuffered rows are buffered the recorder flushes by itself', () => {
    const j = setup({ maxBuffered: 3 });
    const task = j.task();
    task.send(taskMessages.depsMet());
    expect(j.store.batches).toHaveLength(0);
    task.send(taskMessages.assign('local'));
    expect(j.store.batches).toHaveLength(1);
    expect(j.journal().map((r) => r.to)).toEqual(['pending', 'ready', 'assigned']);
  });

  // Known bug (actors/journal/journal-recorder.ts, record/inspect): the maxBuffered flush runs
  // inside record(), before inspect() stores the new snapshot as the actor's pending
  // projection, so that commit holds the row `ready -> assigned` but projects the task as
  // `ready`. Projections are documented to be written with the rows that produced them.
  test('a flush forced by maxBuffered also writes the projection of the row that forced it', () => {
    const j = setup({ maxBuffered: 3 });
    const task = j.task();
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    expect(j.store.getTask(RUN, 'fetch')?.status).toBe('assigned');
  });

  test('buffered work is flushed by itself after groupCommitMs', async () => {
    const j = setup({ groupCommitMs: 1 });
    j.task();
    expect(j.store.batches).toHaveLength(0);
    await Bun.sleep(20);
    expect(j.journal()).toHaveLength(1);
  });
});

describe('JournalRecorder: projections', () => {
  test('a succeeded task projects its status, attempts, node, output and times', () => {
    const j = setup();
    const task = j.task();
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    j.time.now = 20_000;
    task.send(taskMessages.started(1));
    j.time.now = 20_500;
    task.send(taskMessages.succeeded(1, { posts: 3 }));
    j.recorder.flush();
    expect(j.store.getTask(RUN, 'fetch')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      node: 'local',
      output: { posts: 3 },
      error: null,
      startedAt: 20_000,
      finishedAt: 20_500,
    });
  });

  test('startedAt is the start of the first attempt, kept across retries', () => {
    const j = setup();
    const task = j.task('fetch', { retries: 1 });
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    j.time.now = 20_000;
    task.send(taskMessages.started(1));
    task.send(taskMessages.failed(1, BOOM));
    j.clock.increment(100);
    task.send(taskMessages.assign('local'));
    j.time.now = 30_000;
    task.send(taskMessages.started(2));
    j.recorder.flush();
    expect(j.store.getTask(RUN, 'fetch')).toMatchObject({ status: 'running', attempts: 2, startedAt: 20_000 });
  });

  // Known bug (actors/journal/journal-recorder.ts, record): `failed` is in
  // TERMINAL_TASK_STATES, so a failed attempt that will be retried stamps finishedAt, and
  // a task waiting for (or running) its retry is projected with a finishedAt.
  test('a task waiting for its retry has no finishedAt yet', () => {
    const j = setup();
    const task = j.task('fetch', { retries: 1 });
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    task.send(taskMessages.started(1));
    task.send(taskMessages.failed(1, BOOM));
    j.recorder.flush();
    expect(j.store.getTask(RUN, 'fetch')).toMatchObject({ status: 'retrying', finishedAt: null });
  });

  test('a failed task projects its error', () => {
    const j = setup();
    const task = j.task();
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    task.send(taskMessages.started(1));
    j.time.now = 12_345;
    task.send(taskMessages.failed(1, BOOM, false));
    j.recorder.flush();
    expect(j.store.getTask(RUN, 'fetch')).toMatchObject({ status: 'failed', attempts: 1, error: BOOM, finishedAt: 12_345 });
  });

  test('a skipped task projects an error naming the task that did not succeed', () => {
    const j = setup();
    j.task('deploy').send(taskMessages.skip('fetch'));
    j.recorder.flush();
    expect(j.store.getTask(RUN, 'deploy')).toMatchObject({
      status: 'skipped',
      attempts: 0,
      error: { name: 'TaskSkipped', code: 'TASK_SKIPPED', message: 'skipped because "fetch" did not succeed' },
    });
  });

  test('a rolled back task projects its rollback output', () => {
    const j = setup();
    const task = j.task('fetch', { rollbackTimeout: 500 });
    task.send(taskMessages.depsMet());
    task.send(taskMessages.assign('local'));
    task.send(taskMessages.started(1));
    task.send(taskMessages.failed(1, BOOM));
    task.send(taskMessages.rollbackSucceeded({ restored: true }));
    j.recorder.flush();
    expect(j.store.getTask(RUN, 'fetch')).toMatchObject({
      status: 'rolled_back',
      error: BOOM,
      rollbackOutput: { restored: true },
      rollbackError: null,
    });
  });

  test('a running coordinator projects the run as running with its counts', () => {
    const j = setup();
    const coordinator = j.coordinator(3);
    coordinator.send(coordinatorMessages.start());
    coordinator.send(
      coordinatorMessages.tasksSettled([
        { task: 'a', status: 'succeeded' },
        { task: 'b', status: 'failed' },
      ]),
    );
    j.recorder.flush();
    expect(j.store.getRun(RUN)).toMatchObject({ status: 'running', completedTasks: 1, failedTasks: 1, finishedAt: null });
  });

  test('a paused coordinator projects the run as paused', () => {
    const j = setup();
    const coordinator = j.coordinator();
    coordinator.send(coordinatorMessages.start());
    coordinator.send(coordinatorMessages.pause());
    j.recorder.flush();
    expect(j.store.getRun(RUN)?.status).toBe('paused');
  });

  test('a finished run projects its final status and the time it finished', () => {
    const j = setup();
    const coordinator = j.coordinator(2);
    coordinator.send(coordinatorMessages.start());
    j.time.now = 50_000;
    coordinator.send(
      coordinatorMessages.tasksSettled([
        { task: 'fetch', status: 'rolled_back' },
        { task: 'deploy', status: 'skipped' },
      ]),
    );
    j.recorder.flush();
    expect(j.store.getRun(RUN)).toMatchObject({ status: 'failed', completedTasks: 0, failedTasks: 1, finishedAt: 50_000 });
  });

  test('a cancelling run is still projected as running', () => {
    const j = setup();
    const coordinator = j.coordinator();
    coordinator.send(coordinatorMessages.start());
    coordinator.send(coordinatorMessages.cancel('user asked'));
    j.recorder.flush();
    expect(j.store.getRun(RUN)).toMatchObject({ status: 'running', finishedAt: null });
  });

  test('a node projects its status, running count and capabilities', () => {
    const j = setup();
    const node = j.node();
    node.send(nodeMessages.attemptsStarted(RUN, 1));
    j.time.now = 11_000;
    node.send(nodeMessages.attemptsStarted(RUN, 2));
    j.recorder.flush();
    expect(j.store.listNodes()).toEqual([
      { id: 'local', kind: 'local', status: 'busy', capacity: 4, running: 3, capabilities: ['internal'], lastSeenAt: 10_000, startedAt: 500 },
    ]);
  });
});

describe('JournalRecorder: store failure', () => {
  test('a store failure in flush is thrown to the caller and kept as error', () => {
    const j = setup();
    j.task();
    const failure = new Error('disk full');
    j.store.refuseWith = failure;
    expect(() => j.recorder.flush()).toThrow(failure);
    expect(j.recorder.error).toBe(failure);
  });

  test('after a store failure every later flush throws it again, even if the store recovers', () => {
    const j = setup();
    j.task();
    const failure = new Error('disk full');
    j.store.refuseWith = failure;
    expect(() => j.recorder.flush()).toThrow(failure);
    j.store.refuseWith = null;
    expect(() => j.recorder.flush()).toThrow(failure);
    expect(j.store.batches).toEqual([]);
  });

  test('a refused batch leaves nothing in the store', () => {
    const j = setup();
    j.task().send(taskMessages.depsMet());
    j.store.refuseWith = new Error('disk full');
    expect(() => j.recorder.flush()).toThrow('disk full');
    expect(j.store.counts().transitions).toBe(0);
    expect(j.store.getTask(RUN, 'fetch')?.status).toBe('pending');
  });

  test('a row of a run actor for a run the store does not know fails the flush', () => {
    const j = setup();
    const ghost = j.recorder.createActor(
      coordinatorMachine,
      { actorId: 'coordinator:no-such-run', kind: 'coordinator', runId: 'no-such-run', project: projectRun },
      { runId: 'no-such-run', total: 1 },
    );
    ghost.start();
    expect(() => j.recorder.flush()).toThrow('no-such-run');
    expect(j.recorder.error).toBeDefined();
  });

  test('a node row attributed to a run deleted meanwhile still commits (without the run id)', () => {
    const j = setup();
    j.node().send(nodeMessages.attemptsStarted('no-such-run', 1));
    j.recorder.flush();
    expect(j.recorder.error).toBeNull();
    expect(j.store.counts().transitions).toBe(2);
  });

  test('a failing background flush is reported to the onError listener', async () => {
    const j = setup({ groupCommitMs: 1 });
    const reported: unknown[] = [];
    j.recorder.onError((err) => reported.push(err));
    const failure = new Error('disk full');
    j.store.refuseWith = failure;
    j.task();
    await Bun.sleep(20);
    expect(reported).toEqual([failure]);
    expect(j.recorder.error).toBe(failure);
  });
});

describe('stateName', () => {
  test('a flat state value is its own name', () => {
    expect(stateName('running')).toBe('running');
  });

  test('a nested state value is dotted', () => {
    expect(stateName({ active: { retrying: 'waiting' } })).toBe('active.retrying.waiting');
    expect(stateName({ active: {} })).toBe('active');
  });
});
