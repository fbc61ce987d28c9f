import { describe, expect, test } from 'bun:test';
import { createActor, type AnyStateMachine } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { taskMachine, type TaskInput } from '../../machines/task-machine.ts';
import type { SerializedError } from '../../src/errors.ts';
import type { TaskMessage } from '../../src/messages.ts';
import { compileMachine } from '../../src/statechart/compiled-machine.ts';
import { initialStep, step, type Snapshot } from '../../src/statechart/macrostep.ts';

/**
 * The compiled engine (src/statechart/) against a real XState actor of the same machine: every
 * path `xstate/graph` enumerates for the task machine, and seeded random event sequences, must
 * give the same state, the same context and the same effects (host actions with their params,
 * context and event; the delayed events pending) after every event.
 */

const HOST_ACTIONS = ['announceReady', 'leaveReady', 'startAttempt', 'abortAttempt', 'startRollback', 'abortRollback', 'announceSettled'] as const;
const BOOM: SerializedError = { name: 'Error', code: 'OPERATION_FAILED', message: 'boom' };

interface Observed {
  value: string;
  context: unknown;
  actions: { name: string; params: unknown; context: unknown; event: string }[];
  /** Delays pending after the event, in ms, oldest first. */
  timers: number[];
}

/** A machine with host actions that only record, as both engines are given it. */
function recordingMachine(calls: Observed['actions']): AnyStateMachine {
  const actions = Object.fromEntries(
    HOST_ACTIONS.map((name) => [name, ({ context, event }: { context: unknown; event: { type: string } }, params: unknown) => void calls.push({ name, params, context, event: event.type })]),
  );
  return taskMachine.provide({ actions });
}

/** The reference: a real actor on a clock whose timers are kept, to be fired by hand. */
class XStateTask {
  private readonly calls: Observed['actions'] = [];
  private readonly timers = new Map<number, { ms: number; fire: () => void }>();
  private nextTimer = 1;
  private readonly actor;

  constructor(input: TaskInput) {
    const clock = {
      setTimeout: (fire: () => void, ms: number) => {
        const id = this.nextTimer++;
        this.timers.set(id, { ms, fire });
        return id;
      },
      clearTimeout: (id: unknown) => void this.timers.delete(id as number),
    };
    this.actor = createActor(recordingMachine(this.calls), { input, clock } as never);
    this.actor.start();
  }

  observe(): Observed {
    const { value, context } = this.actor.getSnapshot();
    const actions = this.calls.splice(0);
    return { value: value as string, context, actions, timers: [...this.timers.values()].map((t) => t.ms) };
  }

  send(event: TaskMessage): Observed {
    this.actor.send(event);
    return this.observe();
  }

  /** Fires the oldest pending delayed event; false when none is pending. */
  fire(): Observed | null {
    const [id, timer] = this.timers.entries().next().value ?? [];
    if (id === undefined) return null;
    this.timers.delete(id);
    timer!.fire();
    return this.observe();
  }
}

/** The compiled engine, its effects applied as a host would: actions recorded, timers kept. */
class CompiledTask {
  private static readonly calls: Observed['actions'] = [];
  private static readonly machine = compileMachine(recordingMachine(CompiledTask.calls));
  private snapshot: Snapshot;
  private readonly timers = new Map<string, { ms: number; event: string }>();
  private first: Observed;

  constructor(input: TaskInput) {
    const start = initialStep(CompiledTask.machine, input);
    this.snapshot = start.microsteps.at(-1)!;
    this.first = this.apply(start);
  }

  observe(): Observed {
    return this.first;
  }

  send(event: { type: string }): Observed {
    return this.apply(step(CompiledTask.machine, this.snapshot, event));
  }

  fire(): Observed | null {
    const [id, timer] = this.timers.entries().next().value ?? [];
    if (id === undefined) return null;
    this.timers.delete(id);
    return this.send({ type: timer!.event });
  }

  private apply({ microsteps, effects }: ReturnType<typeof step>): Observed {
    if (microsteps.length > 0) this.snapshot = microsteps.at(-1)!;
    const actions: Observed['actions'] = [];
    for (const e of effects) {
      if (e.type === 'action') actions.push({ name: e.name, params: e.params, context: e.context, event: e.event.type });
      else if (e.type === 'schedule') this.timers.set(e.id, { ms: e.delay, event: e.event });
      else this.timers.delete(e.id);
    }
    return { value: this.snapshot.value, context: this.snapshot.context, actions, timers: [...this.timers.values()].map((t) => t.ms) };
  }
}

const INPUTS: TaskInput[] = [
  { runId: 'r', name: 'plain', retries: 0, timeout: 1_000, rollbackTimeout: null, backoff: { base: 100, max: 1_000 } },
  { runId: 'r', name: 'retried', retries: 2, timeout: 500, rollbackTimeout: null, backoff: { base: 100, max: 250 } },
  { runId: 'r', name: 'compensable', retries: 1, timeout: 700, rollbackTimeout: 300, backoff: { base: 50, max: 1_000 } },
  { runId: 'r', name: 'resumed', retries: 1, timeout: 900, rollbackTimeout: 400, backoff: { base: 10, max: 20 }, attempt: 3 },
];

/** Every event the task machine takes, shaped for a task whose current attempt is `attempt`. */
function eventsFor(attempt: number): TaskMessage[] {
  return [
    { type: 'task.depsMet' },
    { type: 'task.skip', because: 'upstream' },
    { type: 'task.cancel', reason: 'stop' },
    { type: 'task.reuse', output: { reused: true }, fromRun: 'old' },
    { type: 'task.recover', attempts: attempt + 1 },
    { type: 'task.recoverRollback', attempts: attempt + 1, error: BOOM },
    { type: 'task.compensate', output: 'done', attempts: attempt + 1, node: 'n1' },
    { type: 'task.assign', node: 'n1' },
    { type: 'task.unservable', error: BOOM },
    { type: 'task.started', attempt },
    { type: 'task.returned', attempt },
    { type: 'task.succeeded', attempt, output: { n: attempt } },
    { type: 'task.failed', attempt, error: BOOM, retryable: true },
    { type: 'task.failed', attempt, error: BOOM, retryable: false },
    { type: 'task.rollbackSucceeded', output: 'undone' },
    { type: 'task.rollbackFailed', error: BOOM },
  ];
}

const AFTER_EVENTS = ['xstate.after.attemptTimeout.task.assigned', 'xstate.after.attemptTimeout.task.running', 'xstate.after.retryDelay.task.retrying', 'xstate.after.rollbackTimeout.task.rolling_back'];

function expectSame(reference: Observed, compiled: Observed, where: string): void {
  expect({ where, ...compiled }).toEqual({ where, ...reference });
}

describe('the compiled task engine gives what XState gives', () => {
  test('the compiler reads the task machine (and refuses nothing in it)', () => {
    const compiled = compileMachine(taskMachine);
    expect([...compiled.states.keys()].sort()).toEqual(Object.keys(taskMachine.root.states).sort());
    expect(compiled.initial).toBe('pending');
  });

  for (const input of INPUTS) {
    test(`every simple path xstate/graph enumerates (${input.name})`, () => {
      const paths = getSimplePaths(taskMachine, {
        input,
        events: (snapshot) => [...eventsFor((snapshot.context as { attempt: number }).attempt), ...AFTER_EVENTS.map((type) => ({ type }))] as never,
      });
      expect(paths.length).toBeGreaterThan(20);
      let steps = 0;
      for (const path of paths) {
        const reference = new XStateTask(input);
        const compiled = new CompiledTask(input);
        expectSame(reference.observe(), compiled.observe(), 'start');
        for (const { event } of path.steps) {
          if ((event.type as string) === 'xstate.init') continue;
          steps++;
          expectSame(reference.send(event as TaskMessage), compiled.send(event), `${event.type} on a path of ${path.steps.length}`);
        }
      }
      expect(steps).toBeGreaterThan(paths.length);
    });
  }

  test('seeded random event sequences, timers fired among them', () => {
    let seed = 20261205;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let fired = 0;
    for (let sequence = 0; sequence < 3000; sequence++) {
      const input = INPUTS[sequence % INPUTS.length];
      const reference = new XStateTask(input);
      const compiled = new CompiledTask(input);
      expectSame(reference.observe(), compiled.observe(), `sequence ${sequence} start`);
      for (let i = 0; i < 12; i++) {
        if (random() < 0.2) {
          const a = reference.fire();
          const b = compiled.fire();
          expect(b === null).toBe(a === null);
          if (a && b) {
            fired++;
            expectSame(a, b, `sequence ${sequence} step ${i}: timer`);
          }
          continue;
        }
        const attempt = (reference.observe().context as { attempt: number }).attempt + Math.floor(random() * 3) - 1;
        const events = eventsFor(attempt);
        const event = events[Math.floor(random() * events.length)];
        expectSame(reference.send(event), compiled.send(event), `sequence ${sequence} step ${i}: ${event.type}`);
      }
    }
    expect(fired).toBeGreaterThan(500);
  });
});
