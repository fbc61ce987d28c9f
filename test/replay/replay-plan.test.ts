import { describe, expect, test } from 'bun:test';
import { validateManifestData } from '../../src/manifest/index.ts';
import { planReplay } from '../../src/replay-plan.ts';
import type { TaskRecord } from '../../src/store/types.ts';

/**
 * What a replay with an edited manifest reuses. The order of a mapping's keys means nothing in
 * YAML, TOML or JSON: a manifest that only lists a symbol's parameters (or a nested mapping of
 * them) in another order changes nothing, and must not run the symbol and its dependents again.
 */

const manifest = (a: Record<string, unknown>, c: Record<string, unknown>) =>
  validateManifestData({
    name: 'ord',
    symbols: [
      { name: 'a', type: 'action', parameters: a },
      { name: 'c', type: 'action', dependencies: ['a'], parameters: c },
    ],
  });

const succeeded = (name: string): TaskRecord =>
  ({ runId: 'r', name, status: 'succeeded', output: name, attempts: 1 }) as unknown as TaskRecord;

describe('planReplay with an edited manifest', () => {
  test('parameters (and nested mappings) in another order are the same symbol: reused', () => {
    const before = manifest({ operation: 'echo', message: 'A' }, { operation: 'echo', message: 'C', extra: { x: 1, y: [{ p: 1, q: 2 }] } });
    const after = manifest({ message: 'A', operation: 'echo' }, { extra: { y: [{ q: 2, p: 1 }], x: 1 }, message: 'C', operation: 'echo' });
    const plan = planReplay(before, [succeeded('a'), succeeded('c')], after);
    expect([...plan.rerun]).toEqual([]);
    expect([...plan.reuse.keys()].sort()).toEqual(['a', 'c']);
  });

  test('a changed value, or a list in another order, is a change', () => {
    const before = manifest({ operation: 'echo', message: 'A' }, { operation: 'echo', message: 'C', extra: [1, 2] });
    const plan = planReplay(before, [succeeded('a'), succeeded('c')], manifest({ operation: 'echo', message: 'B' }, { operation: 'echo', message: 'C', extra: [2, 1] }));
    expect(Object.fromEntries(plan.rerun)).toEqual({ a: 'changed in the manifest', c: 'changed in the manifest' });
  });
});
