import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { PACKED_FROM } from '../../actors/run-symbols.ts';
import { makeHarness, manifest, stopHarnesses, sym, taskOf } from './helpers.ts';

// Real threads on a shared 2-core machine, 50k tasks (the XState reference engine runs them too).
setDefaultTimeout(120_000);
afterEach(stopHarnesses);

/**
 * A run big enough that the coordinator holds its symbols packed (actors/run-symbols.ts), with
 * every field the runtime reads from a symbol in use: parameters, dependencies and their
 * outputs, retries, rollbacks and the saga's order. What is special sits at both ends of the
 * manifest, so its symbols are read out of order.
 */
describe(`a run of ${PACKED_FROM}+ symbols (held packed)`, () => {
  test('runs every symbol as written, passes outputs on, retries, and compensates newest first', async () => {
    const h = makeHarness();
    const undoable = (name: string, fields: Record<string, unknown> = {}) =>
      sym(name, {
        parameters: { operation: 'state.set', key: name, value: 'done' },
        rollback: { name: `undo-${name}`, type: 'action', parameters: { operation: 'state.set', key: name, value: `undone ${name}` } },
        ...fields,
      });
    const fillers = Array.from({ length: PACKED_FROM }, (_, i) =>
      i % 10_000 === 0 ? sym(`echo-${i}`, { parameters: { operation: 'echo', message: { i, text: `message ${i}` } } }) : sym(`f${i}`, { parameters: { operation: 'noop' } }),
    );
    const result = await h.run(
      manifest(
        'big-saga',
        [
          sym('consumer', { dependencies: ['echo-0', 'echo-40000'], parameters: { operation: 'module', module: './echo-context.ts', tag: 't' } }),
          ...fillers,
          sym('flaky', { retries: 2, parameters: { operation: 'fail', times: 1, message: 'first try fails' } }),
          undoable('a', { dependencies: ['consumer'] }),
          undoable('b', { dependencies: ['a'] }),
          undoable('c', { dependencies: ['b'] }),
          sym('boom', { dependencies: ['c', 'flaky'], retries: 0, parameters: { operation: 'fail', message: 'no' } }),
        ],
        { rollback_policy: 'saga' },
      ),
    );

    expect(result.status).toBe('failed');
    expect(result.tasks.length).toBe(PACKED_FROM + 6);
    for (let i = 0; i < PACKED_FROM; i += 10_000) expect(taskOf(result, `echo-${i}`).output).toEqual({ i, text: `message ${i}` });
    expect(taskOf(result, 'f49999').status).toBe('succeeded');
    const consumer = taskOf(result, 'consumer').output as Record<string, unknown>;
    expect(consumer.dependencies).toEqual({ 'echo-0': { i: 0, text: 'message 0' }, 'echo-40000': { i: 40000, text: 'message 40000' } });
    expect(consumer.parameters).toEqual({ module: './echo-context.ts', tag: 't' });
    expect(taskOf(result, 'flaky')).toMatchObject({ status: 'succeeded', attempts: 2, output: { succeededOnAttempt: 2 } });
    expect(taskOf(result, 'boom')).toMatchObject({ status: 'failed', attempts: 1 });
    for (const name of ['a', 'b', 'c']) {
      expect(taskOf(result, name).status).toBe('rolled_back');
      expect(h.store.stateGet(name)).toBe(`undone ${name}`);
    }
    const compensated = h.store
      .getTransitions(result.runId)
      .filter((t) => t.event === 'task.compensate')
      .map((t) => t.actorId);
    expect(compensated).toEqual(['task:c', 'task:b', 'task:a']);
  });
});
