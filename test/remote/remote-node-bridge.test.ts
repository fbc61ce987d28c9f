import { describe, expect, test } from 'bun:test';
import { SimulatedClock } from 'xstate';
import { storeHostServices } from '../../actors/host-services.ts';
import { JournalRecorder } from '../../actors/journal/journal-recorder.ts';
import type { AttemptSink } from '../../actors/node-runtime.ts';
import { FrameStreak, QuickStreak } from '../../actors/quick-streak.ts';
import { ABORT_ANSWER_MS, RemoteNodeBridge } from '../../actors/remote-node-bridge.ts';
import { MAX_ERROR_MESSAGE, MAX_ERROR_STACK, MAX_LOG_FIELDS, MAX_LOG_MESSAGE } from '../../actors/worker-input.ts';
import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';
import { attemptKey } from '../../src/execution.ts';
import { LeaseTable, toDispatcher, type ToWorkerMessage } from '../../src/protocol/index.ts';
import { MemoryStore } from '../../src/store/index.ts';

/** A bridge wired to a simulated clock, an in-memory journal and a recording "socket". */
function setup(overrides: { heartbeatTimeoutMs?: number; ackDeadlineMs?: number; capacity?: number } = {}) {
  const clock = new SimulatedClock();
  const time = { now: 0 };
  const store = new MemoryStore();
  const journal = new JournalRecorder({ store, clock, now: () => time.now, groupCommitMs: 60_000 });
  const sent: ToWorkerMessage[] = [];
  const state = new Map<string, unknown>();
  const gone: string[] = [];
  const leases = new LeaseTable<string>();
  const makeBridge = (extra: Partial<ConstructorParameters<typeof RemoteNodeBridge>[0]> = {}) => new RemoteNodeBridge({
    name: 'w1',
    capabilities: ['internal', 'php_engine'],
    capacity: overrides.capacity ?? 2,
    send: (m) => sent.push(m),
    disconnect: (reason) => gone.push(`disconnect: ${reason}`),
    leases,
    journal,
    host: {
      stateGet: (key) => state.get(key),
      stateSet: (key, value) => void state.set(key, value),
      log: () => {},
    },
    clock,
    now: () => time.now,
    heartbeatTimeoutMs: overrides.heartbeatTimeoutMs ?? 1_000,
    ackDeadlineMs: overrides.ackDeadlineMs ?? 500,
    onCapacity: () => {},
    onGone: (b) => gone.push(`gone: ${b.id}`),
    ...extra,
  });
  const bridge = makeBridge();
  const advance = (ms: number) => {
    time.now += ms;
    clock.increment(ms);
  };
  return { bridge, makeBridge, sent, state, gone, leases, advance, time, store, journal };
}

function request(task: string, attempt = 1): ExecutionRequest {
  return {
    runId: 'r1',
    task,
    attempt,
    kind: 'run',
    symbol: { name: task, type: 'action', context: 'generic', dispatch: 'internal', parameters: {}, timeout: 30_000 },
    dependencies: {},
    baseDir: null,
  };
}

function recordingSink() {
  const events: string[] = [];
  const outcomes: ExecutionOutcome[] = [];
  const sink: AttemptSink = {
    started: () => events.push('started'),
    finished: (o) => {
      events.push('finished');
      outcomes.push(o);
    },
  };
  return { sink, events, outcomes };
}

const assignOf = (sent: ToWorkerMessage[], task: string) =>
  sent.find((m) => m.type === 'assign' && m.request.task === task) as Extract<ToWorkerMessage, { type: 'assign' }>;

/** Runs `n` quick attempts: started and outcome in one frame, as a worker reports a noop. */
async function quickAttempts(bridge: RemoteNodeBridge, sent: ToWorkerMessage[], n: number, prefix = 'q') {
  for (let i = 0; i < n; i++) {
    bridge.execute(request(`${prefix}${i}`), recordingSink().sink);
    const assign = assignOf(sent, `${prefix}${i}`);
    const key = attemptKey(assign.request);
    bridge.receive(toDispatcher.started(key, assign.lease));
    bridge.receive(toDispatcher.outcome(key, assign.lease, { ok: true, output: null }));
    await endOfTurn();
  }
}

/** The dispatcher's loop turn in which the frames came ends (FrameStreak judges then). */
const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RemoteNodeBridge', () => {
  test('while internal attempts are quick the worker may hold several times its slots; backend ones never', async () => {
    const { bridge, sent } = setup({ capacity: 2 });
    expect(bridge.freeSlots('internal')).toBe(2);
    await quickAttempts(bridge, sent, QuickStreak.QUICK_BEFORE_HOLDING);
    expect(bridge.freeSlots('internal')).toBe(2 * FrameStreak.REMOTE_HELD_PER_SLOT);
    expect(bridge.freeSlots('php_engine')).toBe(2);
    // An attempt still running when its `started` frame ends is slow: holding stops.
    bridge.execute(request('slow'), recordingSink().sink);
    const assign = assignOf(sent, 'slow');
    bridge.receive(toDispatcher.started(attemptKey(assign.request), assign.lease));
    await endOfTurn();
    expect(bridge.freeSlots('internal')).toBe(1);
    // A worker that cannot give back is never asked to.
    expect(sent.filter((m) => m.type === 'withdraw')).toEqual([]);
  });

  test('a started and its outcome split over two frames of one turn is still quick', async () => {
    const { bridge, sent } = setup({ capacity: 2 });
    await quickAttempts(bridge, sent, QuickStreak.QUICK_BEFORE_HOLDING);
    bridge.execute(request('split'), recordingSink().sink);
    const assign = assignOf(sent, 'split');
    const key = attemptKey(assign.request);
    bridge.receive(toDispatcher.started(key, assign.lease));
    await Promise.resolve(); // the first frame's microtasks
    bridge.receive(toDispatcher.outcome(key, assign.lease, { ok: true, output: null }));
    await endOfTurn();
    expect(bridge.freeSlots('internal')).toBe(2 * FrameStreak.REMOTE_HELD_PER_SLOT);
  });

  test('a worker that can withdraw holds more, is asked to give back when work turns slow, and what it returns is ready again', async () => {
    const { makeBridge, sent } = setup({ capacity: 2 });
    const bridge = makeBridge({ features: ['withdraw', 'some-future-feature'] });
    await quickAttempts(bridge, sent, QuickStreak.QUICK_BEFORE_HOLDING);
    expect(bridge.freeSlots('internal')).toBe(2 * FrameStreak.WITHDRAWABLE_HELD_PER_SLOT);
    const sinks = ['slow', 'h1', 'h2', 'h3'].map((task) => {
      const recorded = recordingSink();
      const returned: string[] = [];
      recorded.sink.returned = () => returned.push(task);
      bridge.execute(request(task), recorded.sink);
      return { task, ...recorded, returned };
    });
    const slow = assignOf(sent, 'slow');
    bridge.receive(toDispatcher.started(attemptKey(slow.request), slow.lease));
    await endOfTurn();
    // Slow: holding stops, and the worker is asked for what it holds beyond its 2 slots.
    expect(sent.filter((m) => m.type === 'withdraw')).toHaveLength(1);
    expect(bridge.attemptsHeld()).toBe(4);
    const h1 = assignOf(sent, 'h1');
    const h2 = assignOf(sent, 'h2');
    bridge.receive(toDispatcher.returned(attemptKey(h1.request), h1.lease));
    bridge.receive(toDispatcher.returned(attemptKey(h2.request), h2.lease));
    expect(sinks.map((s) => s.returned.length)).toEqual([0, 1, 1, 0]);
    expect(bridge.attemptsHeld()).toBe(2);
    expect(bridge.freeSlots('internal')).toBe(0);
    // Its lease is gone: a late `started` or outcome for it is refused, and a second `returned` ignored.
    bridge.receive(toDispatcher.started(attemptKey(h1.request), h1.lease));
    expect(sent.at(-1)).toMatchObject({ type: 'refused', key: attemptKey(h1.request) });
    bridge.receive(toDispatcher.returned(attemptKey(h1.request), h1.lease));
    expect(sinks[1].returned).toHaveLength(1);
    expect(sinks[1].events).toEqual([]);
  });

  test('a returned that contradicts a started, or comes for a rollback, does not silently drop the attempt', async () => {
    const { makeBridge, sent } = setup({ capacity: 2 });
    const bridge = makeBridge({ features: ['withdraw'] });
    const started = recordingSink();
    started.sink.returned = () => started.events.push('returned');
    bridge.execute(request('a'), started.sink);
    const a = assignOf(sent, 'a');
    bridge.receive(toDispatcher.started(attemptKey(a.request), a.lease));
    bridge.receive(toDispatcher.returned(attemptKey(a.request), a.lease));
    // It said it started: it runs there, and its outcome still counts.
    expect(started.events).toEqual(['started']);
    bridge.receive(toDispatcher.outcome(attemptKey(a.request), a.lease, { ok: true, output: 1 }));
    expect(started.outcomes).toEqual([{ ok: true, output: 1 }]);

    const rollback = recordingSink();
    bridge.execute({ ...request('b'), kind: 'rollback' }, rollback.sink);
    const b = sent.find((m) => m.type === 'assign' && m.request.task === 'b') as Extract<ToWorkerMessage, { type: 'assign' }>;
    bridge.receive(toDispatcher.returned(attemptKey(b.request), b.lease));
    expect(rollback.outcomes[0]).toMatchObject({ ok: false, retryable: true, error: { code: 'RETURNED' } });
    expect(bridge.attemptsHeld()).toBe(0);
  });

  test('an assignment held beyond the slots has its ack deadline from when a slot frees, not from when it was sent', async () => {
    const { bridge, sent, advance } = setup({ capacity: 1, ackDeadlineMs: 300, heartbeatTimeoutMs: 60_000 });
    await quickAttempts(bridge, sent, QuickStreak.QUICK_BEFORE_HOLDING);
    const first = recordingSink();
    const held = recordingSink();
    bridge.execute(request('first'), first.sink);
    bridge.execute(request('held'), held.sink);
    const a1 = assignOf(sent, 'first');
    const a2 = assignOf(sent, 'held');
    bridge.receive(toDispatcher.started(attemptKey(a1.request), a1.lease));
    // `first` runs long; `held` waits on the worker behind it, well past the ack deadline.
    advance(1_000);
    expect(held.outcomes).toEqual([]);
    bridge.receive(toDispatcher.outcome(attemptKey(a1.request), a1.lease, { ok: true, output: 1 }));
    // Its slot is free now: `held` must start within the deadline from here.
    advance(299);
    expect(held.outcomes).toEqual([]);
    advance(2);
    expect(held.outcomes[0]).toMatchObject({ ok: false, error: { code: 'ACK_TIMEOUT' } });
    void a2;
  });

  test('assigns with a lease; started and outcome with that lease reach the sink and free the slot', () => {
    const { bridge, sent } = setup();
    const { sink, events, outcomes } = recordingSink();
    bridge.execute(request('a'), sink);
    expect(bridge.freeSlots()).toBe(1);
    const assign = assignOf(sent, 'a');
    const key = attemptKey(assign.request);
    bridge.receive(toDispatcher.started(key, assign.lease));
    bridge.receive(toDispatcher.outcome(key, assign.lease, { ok: true, output: 42 }));
    expect(events).toEqual(['started', 'finished']);
    expect(outcomes[0]).toEqual({ ok: true, output: 42 });
    expect(bridge.freeSlots()).toBe(2);
  });

  test('a result with a stale lease is refused and does not reach the sink', () => {
    const { bridge, sent, leases } = setup();
    const { sink, outcomes } = recordingSink();
    bridge.execute(request('a'), sink);
    const assign = assignOf(sent, 'a');
    const key = attemptKey(assign.request);
    leases.issue(key, 'someone-else'); // the attempt was reassigned meanwhile
    bridge.receive(toDispatcher.outcome(key, assign.lease, { ok: true, output: 'late' }));
    expect(outcomes).toEqual([]);
    expect(sent.at(-1)).toMatchObject({ type: 'refused', key, lease: assign.lease });
  });

  test('an assignment not acknowledged in time is taken back as a retryable failure', () => {
    const { bridge, sent, advance } = setup({ ackDeadlineMs: 300, heartbeatTimeoutMs: 10_000 });
    const { sink, outcomes } = recordingSink();
    bridge.execute(request('a'), sink);
    advance(299);
    expect(outcomes).toEqual([]);
    advance(2);
    expect(outcomes[0]).toMatchObject({ ok: false, retryable: true, error: { code: 'ACK_TIMEOUT' } });
    expect(sent.at(-1)).toMatchObject({ type: 'abort' });
    expect(bridge.freeSlots()).toBe(2);
  });

  test('a silent node is lost: its attempts fail with NODE_LOST and late results are refused', () => {
    const { bridge, sent, gone, advance, journal, store } = setup({ heartbeatTimeoutMs: 1_000, ackDeadlineMs: 10_000 });
    const { sink, outcomes } = recordingSink();
    bridge.execute(request('a'), sink);
    const assign = assignOf(sent, 'a');
    const key = attemptKey(assign.request);
    bridge.receive(toDispatcher.started(key, assign.lease));
    advance(600);
    bridge.receive(toDispatcher.heartbeat(1)); // still alive
    advance(900);
    expect(outcomes).toEqual([]);
    advance(400); // 1,300 ms of silence
    expect(outcomes[0]).toMatchObject({ ok: false, retryable: true, error: { code: 'NODE_LOST' } });
    expect(gone).toEqual(['gone: remote:w1', 'disconnect: heartbeat timeout']);
    expect(bridge.freeSlots()).toBe(0);
    // Its row says it runs nothing: its attempts were settled here (the Nodes page counted
    // the failed one as still running on the lost node).
    journal.flush();
    expect(store.listNodes().find((n) => n.id === 'remote:w1')).toMatchObject({ status: 'lost', running: 0 });
  });

  test('a worker that does not end an aborted attempt is lost after ABORT_ANSWER_MS: the slot comes back, the attempt fails NODE_LOST', () => {
    const { bridge, sent, gone, advance } = setup({ heartbeatTimeoutMs: 60_000 });
    const { sink, outcomes } = recordingSink();
    bridge.execute(request('stuck'), sink);
    const assign = assignOf(sent, 'stuck');
    const key = attemptKey(assign.request);
    bridge.receive(toDispatcher.started(key, assign.lease));
    bridge.abort(key, 'the attempt timed out');
    expect(sent.some((m) => m.type === 'abort')).toBe(true);
    // Heartbeats go on: only the abort goes unanswered.
    for (let t = 0; t < ABORT_ANSWER_MS - 1_000; t += 1_000) {
      advance(1_000);
      bridge.receive(toDispatcher.heartbeat(1));
    }
    expect(gone).toEqual([]);
    advance(1_000);
    expect(gone).toContainEqual(expect.stringContaining('did not end an aborted attempt'));
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'NODE_LOST' } });

    // A worker that does end it in time stays.
    const fine = setup({ heartbeatTimeoutMs: 60_000 });
    fine.bridge.execute(request('slow'), recordingSink().sink);
    const a = assignOf(fine.sent, 'slow');
    const k = attemptKey(a.request);
    fine.bridge.receive(toDispatcher.started(k, a.lease));
    fine.bridge.abort(k, 'cancelled');
    fine.advance(2_000);
    fine.bridge.receive(toDispatcher.outcome(k, a.lease, { ok: false, retryable: false, error: { name: 'AbortError', code: 'UNKNOWN', message: 'cancelled' } }));
    fine.advance(ABORT_ANSWER_MS);
    expect(fine.gone).toEqual([]);
  });

  test('a lost connection fails the attempts at once', () => {
    const { bridge } = setup();
    const a = recordingSink();
    const b = recordingSink();
    bridge.execute(request('a'), a.sink);
    bridge.execute(request('b'), b.sink);
    bridge.lost('connection closed');
    expect(a.outcomes[0]).toMatchObject({ error: { code: 'NODE_LOST' } });
    expect(b.outcomes[0]).toMatchObject({ error: { code: 'NODE_LOST' } });
  });

  test('state calls are answered with the id they came with', () => {
    const { bridge, sent, state } = setup();
    bridge.receive(toDispatcher.stateSet(7, 'k', { v: 1 }));
    bridge.receive(toDispatcher.stateGet(8, 'k'));
    bridge.receive(toDispatcher.stateGet(9, 'missing'));
    expect(state.get('k')).toEqual({ v: 1 });
    expect(sent).toEqual([
      { type: 'state.result', id: 7, value: null },
      { type: 'state.result', id: 8, value: { v: 1 } },
      { type: 'state.result', id: 9, value: null },
    ]);
  });

  test("the state and log calls of an attempt it aborted, or that is not this worker's, are refused with ATTEMPT_ENDED", () => {
    const lines: string[] = [];
    const { makeBridge, sent, state } = setup();
    const bridge = makeBridge({
      name: 'w4',
      host: { stateGet: (key) => state.get(key), stateSet: (key, value) => void state.set(key, value), log: (_level, message) => lines.push(message) },
    });
    bridge.execute(request('a'), recordingSink().sink);
    const assign = assignOf(sent, 'a');
    const key = attemptKey(assign.request);
    bridge.receive(toDispatcher.started(key, assign.lease));
    bridge.receive(toDispatcher.stateSet(1, 'k', 'live', key));
    bridge.receive(toDispatcher.log('info', 'live line', {}, key));
    bridge.abort(key, 'attempt stopped');
    // Sent before the worker had the abort: they arrive after it.
    bridge.receive(toDispatcher.stateSet(2, 'k', 'late', key));
    bridge.receive(toDispatcher.stateGet(3, 'k', key));
    bridge.receive(toDispatcher.log('info', 'late line', {}, key));
    bridge.receive(toDispatcher.stateSet(4, 'k', 'stranger', 'r1/other/run/1'));
    expect(state.get('k')).toBe('live');
    expect(lines).toEqual(['live line']);
    const answers = sent.filter((m) => m.type === 'state.result' || m.type === 'state.error');
    expect(answers[0]).toEqual({ type: 'state.result', id: 1, value: null });
    for (const [i, id] of [2, 3, 4].entries()) {
      expect(answers[i + 1]).toMatchObject({ type: 'state.error', id, error: { name: 'AttemptEndedError', code: 'ATTEMPT_ENDED' } });
    }
  });

  test("a state call with an empty key is a usage error (STATE_CALL_INVALID), not a row under an empty key in the dispatcher's store", () => {
    const { makeBridge, sent } = setup();
    const store = new MemoryStore();
    const bridge = makeBridge({ name: 'w5', host: storeHostServices(store) });
    bridge.receive(toDispatcher.stateSet(1, '', 'x'));
    bridge.receive(toDispatcher.stateGet(2, ''));
    expect(store.stateGet('')).toBeUndefined();
    expect(sent).toMatchObject([
      { type: 'state.error', id: 1, error: { name: 'StateCallError', code: 'STATE_CALL_INVALID' } },
      { type: 'state.error', id: 2, error: { name: 'StateCallError', code: 'STATE_CALL_INVALID' } },
    ]);
  });

  test('a draining worker takes no new work and leaves once its attempts are done', () => {
    const { bridge, sent, gone } = setup();
    const { sink } = recordingSink();
    bridge.execute(request('a'), sink);
    bridge.receive(toDispatcher.draining());
    expect(bridge.freeSlots()).toBe(0);
    expect(gone).toEqual([]);
    const assign = assignOf(sent, 'a');
    bridge.receive(toDispatcher.outcome(attemptKey(assign.request), assign.lease, { ok: true, output: null }));
    expect(gone).toEqual(['gone: remote:w1']);
  });
});

describe('RemoteNodeBridge: capabilities', () => {
  test('a worker that withdraws a backend gets no more of its tasks; it may offer it again', () => {
    const { bridge, journal, store } = setup();
    const row = () => {
      journal.flush();
      return store.listNodes().find((n) => n.id === 'remote:w1')?.capabilities;
    };
    expect([...bridge.capabilities]).toEqual(['internal', 'php_engine']);
    expect(row()).toEqual(['internal', 'php_engine']);
    bridge.receive(toDispatcher.capabilities(['internal']));
    expect(bridge.capabilities.has('php_engine')).toBe(false);
    // Its row says so too (/api/nodes, the Nodes page listed the withdrawn backend).
    expect(row()).toEqual(['internal']);
    bridge.receive(toDispatcher.capabilities(['internal', 'php_engine']));
    expect(bridge.capabilities.has('php_engine')).toBe(true);
    expect(row()).toEqual(['internal', 'php_engine']);
  });
});

describe("RemoteNodeBridge: what a worker sends that the dispatcher keeps", () => {
  test("a log line's fields sit under `fields`: they cannot set the line's level, time, msg or node", () => {
    const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const { makeBridge } = setup();
    const bridge = makeBridge({
      name: 'w2',
      host: { stateGet: () => undefined, stateSet: () => {}, log: (level, message, fields) => lines.push({ level, message, fields }) },
    });
    bridge.receive(toDispatcher.log('info', 'hello', { level: 60, time: 0, msg: 'forged', node: 'local', count: 1 }));
    expect(lines).toEqual([
      { level: 'info', message: 'hello', fields: { node: 'remote:w2', fields: { level: 60, time: 0, msg: 'forged', node: 'local', count: 1 } } },
    ]);
  });

  test('log lines and outcome errors are cut to bounded sizes', () => {
    const lines: { message: string; fields: Record<string, unknown> }[] = [];
    const { makeBridge, sent } = setup();
    const bridge = makeBridge({
      name: 'w3',
      host: { stateGet: () => undefined, stateSet: () => {}, log: (_level, message, fields) => lines.push({ message, fields }) },
    });
    bridge.receive(toDispatcher.log('warn', 'm'.repeat(100_000), { blob: 'b'.repeat(100_000) }));
    expect(lines[0].message.length).toBeLessThan(MAX_LOG_MESSAGE + 100);
    expect(lines[0].message).toContain('more characters cut');
    expect(JSON.stringify(lines[0].fields).length).toBeLessThan(MAX_LOG_FIELDS);
    expect((lines[0].fields.fields as { cut: string }).cut).toContain('100011 characters of JSON');

    const { sink, outcomes } = recordingSink();
    bridge.execute(request('a'), sink);
    const { lease } = assignOf(sent, 'a');
    const key = attemptKey(request('a'));
    const error = { name: 'N'.repeat(10_000), message: 'x'.repeat(500_000), code: 'C'.repeat(10_000), stack: 's'.repeat(500_000) };
    bridge.receive(toDispatcher.outcome(key, lease, { ok: false, retryable: true, error }));
    const stored = outcomes[0];
    if (stored.ok) throw new Error('expected a failure');
    expect(stored.error.message.length).toBeLessThan(MAX_ERROR_MESSAGE + 100);
    expect(stored.error.stack!.length).toBeLessThan(MAX_ERROR_STACK + 100);
    expect(stored.error.name.length).toBeLessThan(300);
    expect(stored.error.code!.length).toBeLessThan(300);
    expect(stored.error.message).toStartWith('xxxx');
  });
});

describe('RemoteNodeBridge: heartbeats', () => {
  test('a heartbeat moves the node row\'s lastSeenAt and adds no journal row', () => {
    const { bridge, advance, store, journal } = setup();
    journal.flush();
    const rowsBefore = store.counts().transitions;
    advance(700);
    bridge.receive(toDispatcher.heartbeat(0));
    journal.flush();
    expect(store.listNodes().find((n) => n.id === 'remote:w1')?.lastSeenAt).toBe(700);
    expect(store.counts().transitions).toBe(rowsBefore);
  });
});

describe('RemoteNodeBridge: the same worker on a new connection', () => {
  test('handOver carries the attempts the worker still holds; their results are accepted on the new bridge', () => {
    const { bridge, makeBridge, sent, gone } = setup({ capacity: 3 });
    const a = recordingSink();
    const b = recordingSink();
    const c = recordingSink();
    bridge.execute(request('a'), a.sink);
    bridge.execute(request('b'), b.sink);
    bridge.execute(request('c'), c.sink);
    const [la, lb, lc] = ['a', 'b', 'c'].map((t) => assignOf(sent, t).lease);
    bridge.receive(toDispatcher.started(attemptKey(request('a')), la));
    // The worker reconnects: it still holds a (running) and b (its `started` was lost), not c.
    const resume = [
      { key: attemptKey(request('a')), lease: la },
      { key: attemptKey(request('b')), lease: lb },
    ];
    expect(bridge.replaceableBy(bridge.session)).toBe(true);
    const carried = bridge.handOver(resume);
    expect(carried.map((x) => x.key)).toEqual([attemptKey(request('a')), attemptKey(request('b'))]);
    expect(gone).toEqual(['gone: remote:w1', 'disconnect: replaced by a new connection']);
    expect(c.outcomes[0]).toMatchObject({ ok: false, retryable: true, error: { code: 'NODE_LOST' } });
    expect(a.outcomes).toEqual([]);

    const next = makeBridge({ capacity: 3, adopted: carried });
    expect(next.freeSlots()).toBe(1);
    expect(b.events).toEqual(['started']); // listed in resume: the worker has it
    next.receive(toDispatcher.outcome(attemptKey(request('a')), la, { ok: true, output: 'A' }));
    next.receive(toDispatcher.outcome(attemptKey(request('b')), lb, { ok: true, output: 'B' }));
    expect(a.outcomes).toEqual([{ ok: true, output: 'A' }]);
    expect(b.outcomes).toEqual([{ ok: true, output: 'B' }]);
    // c's lease was revoked with the old connection: a late result for it is refused.
    next.receive(toDispatcher.outcome(attemptKey(request('c')), lc, { ok: true, output: 'C' }));
    expect(sent.at(-1)).toMatchObject({ type: 'refused', lease: lc });
    expect(c.outcomes).toHaveLength(1);
  });

  test('on a reconnect, a run attempt the worker neither holds nor said it started goes back to ready, uncounted', () => {
    const { bridge, makeBridge, sent, leases } = setup({ capacity: 2 });
    const lost = recordingSink();
    lost.sink.returned = () => lost.events.push('returned');
    const rollback = recordingSink();
    bridge.execute(request('lost'), lost.sink);
    bridge.execute({ ...request('undo'), kind: 'rollback' }, rollback.sink);
    const lease = assignOf(sent, 'lost').lease;
    // Its `returned` (or the `assign` itself) died with the old connection: `resume` lists neither.
    makeBridge({ capacity: 2, adopted: bridge.handOver([]) });
    expect(lost.events).toEqual(['returned']);
    expect(lost.outcomes).toEqual([]);
    expect(rollback.outcomes[0]).toMatchObject({ ok: false, error: { code: 'NODE_LOST' } });
    // Its lease is gone with it: a late `started` or outcome for it is refused wherever it comes.
    expect(leases.isCurrent(attemptKey(request('lost')), lease)).toBe(false);
  });

  test('an attempt carried over a reconnect unstarted, then returned, is taken back, not left holding a slot', () => {
    const { bridge, makeBridge, sent } = setup({ capacity: 2 });
    const held = recordingSink();
    held.sink.returned = () => held.events.push('returned');
    bridge.execute(request('held'), held.sink);
    const lease = assignOf(sent, 'held').lease;
    const key = attemptKey(request('held'));
    const next = makeBridge({ capacity: 2, features: ['withdraw'], adopted: bridge.handOver([{ key, lease }]) });
    expect(held.events).toEqual(['started']); // listed in resume: counted as started
    next.receive(toDispatcher.returned(key, lease));
    // Its task already counts it started, so it cannot go back to ready: it fails retryably.
    expect(held.outcomes[0]).toMatchObject({ ok: false, retryable: true, error: { code: 'RETURNED' } });
    expect(next.attemptsHeld()).toBe(0);
    expect(next.freeSlots()).toBe(2);
  });

  test('a draining worker whose last attempts are given back leaves as drained', () => {
    const { makeBridge, sent, gone } = setup({ capacity: 2 });
    const bridge = makeBridge({ features: ['withdraw'] });
    const sink = recordingSink().sink;
    sink.returned = () => {};
    bridge.execute(request('a'), sink);
    bridge.receive({ type: 'draining' });
    const a = assignOf(sent, 'a');
    bridge.receive(toDispatcher.returned(attemptKey(a.request), a.lease));
    expect(gone).toContain('gone: remote:w1');
    expect(bridge.attemptsHeld()).toBe(0);
  });

  test('a live connection is replaced only by the secret of its welcome: not by a lease, not after a silence', () => {
    const { bridge, makeBridge, sent, advance } = setup({ heartbeatTimeoutMs: 1_000 });
    bridge.execute(request('a'), recordingSink().sink);
    expect(bridge.session).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(makeBridge().session).not.toBe(bridge.session); // one secret per connection
    expect(bridge.replaceableBy(undefined)).toBe(false);
    expect(bridge.replaceableBy('')).toBe(false);
    expect(bridge.replaceableBy(`${bridge.session}x`)).toBe(false);
    expect(bridge.replaceableBy(assignOf(sent, 'a').lease)).toBe(false);
    // Silent for most of the heartbeat timeout (a stalled network): a stranger still cannot take it.
    advance(900);
    expect(bridge.replaceableBy(undefined)).toBe(false);
    expect(bridge.replaceableBy(bridge.session)).toBe(true);
    // Once the watchdog has declared it lost, the name is free.
    advance(400);
    expect(bridge.replaceableBy(undefined)).toBe(true);
  });
});
