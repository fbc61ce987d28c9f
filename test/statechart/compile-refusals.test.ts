import { describe, expect, test } from 'bun:test';
import { assign, createMachine, enqueueActions, fromPromise, raise, sendTo, setup } from 'xstate';
import { compileMachine } from '../../src/statechart/compiled-machine.ts';
import { initialStep, step } from '../../src/statechart/macrostep.ts';

/** The compiled engine refuses, at compile time, every machine feature it does not implement. */

function refusal(machine: Parameters<typeof compileMachine>[0]): string {
  try {
    compileMachine(machine);
  } catch (err) {
    expect((err as Error).name).toBe('MachineNotCompilableError');
    expect((err as { code: string }).code).toBe('MACHINE_NOT_COMPILABLE');
    return (err as Error).message;
  }
  throw new Error('compiled without complaint');
}

describe('compileMachine fails closed', () => {
  test('nested and parallel states', () => {
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { initial: 'x', states: { x: {} } } } }))).toMatch(/state "a" is compound/);
    expect(refusal(createMachine({ id: 'm', type: 'parallel', states: { a: {}, b: {} } }))).toMatch(/root is parallel/);
  });

  test('final and history states', () => {
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { on: { GO: 'b' } }, b: { type: 'final' } } }))).toMatch(/state "b" is final/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: {}, h: { type: 'history' } } }))).toMatch(/state "h" is history/);
  });

  test('invoked actors and root transitions', () => {
    const invoking = setup({ actors: { work: fromPromise(async () => 1) } }).createMachine({ id: 'm', initial: 'a', states: { a: { invoke: { src: 'work' } } } });
    expect(refusal(invoking)).toMatch(/invokes actors/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', on: { RESET: '.a' }, states: { a: {} } }))).toMatch(/root has/);
  });

  test('re-entering, self and targetless transitions', () => {
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { on: { GO: { target: 'b', reenter: true } } }, b: {} } }))).toMatch(/re-entering/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { on: { GO: 'a' } } } }))).toMatch(/its own state/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', context: { n: 0 }, states: { a: { on: { INC: { actions: assign({ n: 1 }) } } } } }))).toMatch(/exactly one target/);
  });

  test('built-in actions other than assign, enqueueActions and after', () => {
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { entry: raise({ type: 'X' }) } } }))).toMatch(/a raise other than an `after` delay/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { entry: sendTo('other', { type: 'X' }) } } }))).toMatch(/xstate.sendTo/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { entry: () => {} } } }))).toMatch(/inline function/);
  });

  test('actions and delays without an implementation, wildcard events, higher-order guards', () => {
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { entry: 'missing' } } }))).toMatch(/"missing" has no implementation/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { after: { nowhere: 'b' } }, b: {} } }))).toMatch(/delay "nowhere"/);
    expect(refusal(createMachine({ id: 'm', initial: 'a', states: { a: { on: { '*': 'b' } }, b: {} } }))).toMatch(/wildcard/);
  });

  test('an enqueueActions helper it does not offer fails the step that uses it', () => {
    const m = createMachine({
      id: 'm',
      initial: 'a',
      context: { n: 0 },
      states: {
        a: { on: { GO: 'b' } },
        b: { entry: enqueueActions(({ enqueue }) => enqueue.assign({ n: 1 })) },
      },
    });
    const compiled = compileMachine(m);
    const start = initialStep(compiled, undefined).microsteps[0];
    expect(() => step(compiled, start, { type: 'GO' })).toThrow(/enqueueActions uses enqueue.assign/);
  });

  test('a machine it accepts steps as declared', () => {
    const m = setup({ actions: { hello: () => {} }, guards: { big: ({ context }) => (context as { n: number }).n > 1 } }).createMachine({
      id: 'm',
      initial: 'a',
      context: { n: 0 },
      states: {
        a: { on: { INC: { target: 'b', actions: assign({ n: ({ context }) => context.n + 2 }) } } },
        b: { entry: 'hello', always: [{ guard: 'big', target: 'c' }] },
        c: { after: { 100: 'a' } },
      },
    });
    const compiled = compileMachine(m);
    const start = initialStep(compiled, undefined);
    expect(start.microsteps).toEqual([{ value: 'a', context: { n: 0 } }]);
    const next = step(compiled, start.microsteps[0], { type: 'INC' });
    expect(next.microsteps.map((s) => s.value)).toEqual(['b', 'c']);
    expect(next.effects.map((e) => e.type === 'action' ? e.name : e.type)).toEqual(['hello', 'schedule']);
  });
});
