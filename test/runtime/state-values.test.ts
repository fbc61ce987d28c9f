/**
 * What a module gives `state.set` and `log` that the thread channel cannot carry (a function, a
 * Symbol) is decided in the worker thread, before it crosses: functions and Symbols are dropped
 * as JSON drops them (as in an output), what JSON cannot hold at all (a BigInt) is refused with
 * the key and where. Never a DataCloneError. A key never set reads as null.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { captureLogLines, makeHarness, stopHarnesses, withTimeout } from './helpers.ts';
import { expectValues, valuesManifest } from './state-values-cases.ts';

afterEach(stopHarnesses);

const lines = captureLogLines();

describe('values a thread cannot send, given to state.set and log', () => {
  test('functions and Symbols are dropped as JSON drops them, a BigInt is refused with where, a missing key reads null', async () => {
    const h = makeHarness({ localWorkers: 1 });
    const result = await withTimeout(h.run(valuesManifest()), 20_000, 'the run');
    expectValues(result);
    expect(h.store.stateGet('cfg')).toEqual({ name: 'x', list: [null, null, 2], at: '1970-01-01T00:00:00.000Z' });
    expect(h.store.stateGet('whole-fn')).toBeNull();
    expect(h.store.stateGet('big')).toBeUndefined();
    // A message that is not a string is its JSON, else its String(); a level that is not a string is info.
    const logged = lines.filter((l) => l.symbol === 'oddLogs' && l.runId === result.runId);
    expect(logged.map((l) => l.msg)).toEqual(['{"step":"one"}', 'Symbol(mark)', 'plain line', '10']);
    expect(logged.map((l) => l.level)).toEqual(['info', 'info', 'info', 'info']);
  });
});
