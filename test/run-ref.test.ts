import { describe, expect, test } from 'bun:test';
import { RunNotFoundError, UsageError } from '../src/errors.ts';
import { resolveRunRef } from '../src/run-ref.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import type { RunListing } from '../src/store/types.ts';
import { newRun } from './store-conformance.ts';

function storeWith(ids: string[]) {
  const store = new MemoryStore();
  for (const id of ids) store.createRun(newRun(id), []);
  return store;
}

describe('a run named by its id or a prefix of it', () => {
  test('an exact id, else the one run the prefix names; none is RunNotFoundError', () => {
    const store = storeWith(['20261206-aaaa', '20261206-abbb', '20261206-a']);
    expect(resolveRunRef(store, '20261206-a')).toBe('20261206-a');
    expect(resolveRunRef(store, '20261206-ab')).toBe('20261206-abbb');
    expect(() => resolveRunRef(store, '2027')).toThrow(RunNotFoundError);
    expect(() => resolveRunRef(store, '')).toThrow(RunNotFoundError);
  });

  test('several: a UsageError listing ten, saying when there are more', () => {
    const store = storeWith(Array.from({ length: 25 }, (_, i) => `r-${String(i).padStart(2, '0')}`));
    expect(() => resolveRunRef(store, 'r-0')).toThrow(new UsageError('"r-0" matches 10 runs; give more of the id:' + Array.from({ length: 10 }, (_, i) => `\n  r-0${i}  workflow r-0${i}  running`).join('')));
    const message = (() => {
      try {
        resolveRunRef(store, 'r-');
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toStartWith('"r-" matches more than 10 runs; give more of the id:');
    expect(message).toContain('r-09');
    expect(message).not.toContain('r-10');
    expect(message).toEndWith('\n  …');
  });

  test('a miss asks the store for a range of ids, never for every run', () => {
    const store = storeWith(['a1', 'a2']);
    store.listRuns = (): RunListing[] => {
      throw new Error('listed every run');
    };
    expect(() => resolveRunRef(store, 'b')).toThrow(RunNotFoundError);
    expect(resolveRunRef(store, 'a2')).toBe('a2');
  });
});
