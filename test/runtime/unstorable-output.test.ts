/**
 * A task whose output JSON cannot hold fails that attempt (OUTPUT_NOT_JSON, no retry) where the
 * output is made; it never reaches a journal commit, so other runs and the dispatcher go on.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { OUTPUT_NOT_JSON } from '../../src/task-output.ts';
import { makeHarness, manifest, stopHarnesses, sym, taskOf, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

const bad = (exportName: string) =>
  sym(`bad-${exportName}`, { retries: 2, parameters: { operation: 'module', module: './unstorable-output.ts', export: exportName } });

describe('outputs JSON cannot hold', () => {
  test('BigInt, cycle, 100k-deep and a throwing toJSON each fail their own attempt once, with where', async () => {
    const h = makeHarness({ localWorkers: 2 });
    const slow = h.deploy(manifest('bystander', [sym('wait', { parameters: { operation: 'delay', ms: 200 } }), sym('after', { dependencies: ['wait'], parameters: { operation: 'noop' } })]));
    const handle = h.deploy(
      manifest('unstorable', [bad('bigint'), bad('cyclic'), bad('deep'), bad('throwingToJson'), sym('fine', { parameters: { operation: 'echo', message: 'ok' } })]),
    );
    const result = await withTimeout(handle.result, 20_000, 'the run with bad outputs');
    expect(result.status).toBe('failed');
    for (const [name, where] of [
      ['bad-bigint', 'a BigInt at $.total'],
      ['bad-cyclic', 'a reference cycle at $.self'],
      ['bad-deep', 'nesting deeper than 256 levels'],
      ['bad-throwingToJson', 'whose toJSON() throws'],
    ] as const) {
      const task = taskOf(result, name);
      expect(task.status).toBe('failed');
      expect(task.attempts).toBe(1);
      expect(task.error).toMatchObject({ code: OUTPUT_NOT_JSON });
      expect(task.error!.message).toContain(where);
    }
    expect(taskOf(result, 'fine')).toMatchObject({ status: 'succeeded', output: 'ok' });
    // The run beside it was never touched, and the dispatcher takes the next run.
    expect((await withTimeout(slow.result, 20_000, 'the bystander run')).status).toBe('succeeded');
    const next = await withTimeout(h.deploy(manifest('next', [sym('noop')])).result, 20_000, 'the next run');
    expect(next.status).toBe('succeeded');
    // What was stored is what the run reported.
    expect(h.store.getTask(result.runId, 'bad-deep')!.error).toMatchObject({ code: OUTPUT_NOT_JSON });
  });

  test('an output that cannot be read (a getter or a Proxy trap that throws) fails OUTPUT_NOT_JSON once, saying where and why', async () => {
    const h = makeHarness();
    const result = await withTimeout(
      h.run(manifest('unreadable', [bad('throwingGetter'), bad('nestedThrowingGetter'), bad('throwingProxy')])),
      20_000,
      'the run',
    );
    for (const [name, where, why] of [
      ['bad-throwingGetter', 'a value at $.x that could not be read', 'boom'],
      ['bad-nestedThrowingGetter', 'a value at $.list[1].y that could not be read', 'deep boom'],
      ['bad-throwingProxy', 'a value at $.p that could not be read', 'no keys'],
    ] as const) {
      const task = taskOf(result, name);
      expect(task.status).toBe('failed');
      expect(task.attempts).toBe(1);
      expect(task.error).toMatchObject({ name: 'OutputError', code: OUTPUT_NOT_JSON });
      expect(task.error!.message).toContain(where);
      expect(task.error!.message).toContain(why);
    }
  });

  test('an output JSON can hold after conversion reaches dependents exactly as it is stored', async () => {
    const h = makeHarness();
    const result = await withTimeout(
      h.deploy(
        manifest('converted', [
          sym('make', { parameters: { operation: 'module', module: './unstorable-output.ts', export: 'converted' } }),
          sym('see', { dependencies: ['make'], parameters: { operation: 'module', module: './unstorable-output.ts', export: 'inspectMade' } }),
        ]),
      ).result,
      20_000,
      'the run',
    );
    expect(result.status).toBe('succeeded');
    const stored = { at: '1970-01-01T00:00:00.000Z', map: {}, kept: [1, 'two'] };
    expect(taskOf(result, 'make').output).toEqual(stored);
    expect(h.store.getTask(result.runId, 'make')!.output).toEqual(stored);
    expect(taskOf(result, 'see').output).toEqual({ atType: 'string', mapIsMap: false, hasGone: false });
  });
});
