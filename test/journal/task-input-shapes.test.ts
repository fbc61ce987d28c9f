import { describe, expect, test } from 'bun:test';
import { TaskInputShapes } from '../../actors/journal/simulation/actor-inputs.ts';
import { taskInputOf } from '../../actors/run-inputs.ts';
import { validateManifestData } from '../../src/manifest/index.ts';

// Re-simulation finds each task actor's symbol and input shape through TaskInputShapes: by
// guessing the next symbol in manifest order, else by name; and one shape per distinct input.

const BACKOFF = { base: 500, max: 30_000 };
const undo = (name: string) => ({ name: `undo-${name}`, type: 'action', parameters: { operation: 'noop' } });

function shapesOf(policy: 'saga' | 'none') {
  const manifest = validateManifestData({
    name: 'shapes',
    rollback_policy: policy,
    symbols: [
      { name: 'a', type: 'action', parameters: { operation: 'noop' } },
      { name: 'b', type: 'action', parameters: { operation: 'noop' } },
      // b's input but a rollback (whose timeout is in the input unless the policy runs none)
      { name: 'c', type: 'action', parameters: { operation: 'noop' }, rollback: undo('c') },
      { name: 'd', type: 'action', parameters: { operation: 'noop' }, retries: 0 },
      { name: 'e', type: 'action', parameters: { operation: 'noop' } },
    ],
  });
  return { manifest, shapes: new TaskInputShapes(manifest, 'run-1', BACKOFF) };
}

describe('TaskInputShapes', () => {
  test('finds symbols in manifest order, out of it, and not at all', () => {
    const { shapes } = shapesOf('saga');
    expect(['a', 'b', 'c', 'e', 'd', 'a', 'x', 'b', 'c', 'zz'].map((n) => shapes.indexOf(n))).toEqual([0, 1, 2, 4, 3, 0, -1, 1, 2, -1]);
  });

  test("each symbol's shape is its input but the name; symbols with the same input share one", () => {
    for (const policy of ['saga', 'none'] as const) {
      const { manifest, shapes } = shapesOf(policy);
      const all = manifest.symbols.map((_, i) => shapes.shapeOf(i));
      manifest.symbols.forEach((spec, i) => {
        const { name: _name, ...fields } = taskInputOf('run-1', manifest, spec, BACKOFF);
        expect(all[i].fields).toEqual(fields);
      });
      expect(all[1]).toBe(all[0]);
      expect(all[4]).toBe(all[0]);
      expect(all[3]).not.toBe(all[0]);
      // c differs from b by its rollback's timeout alone, which only a policy running rollbacks gives it.
      if (policy === 'saga') expect(all[2]).not.toBe(all[1]);
      else expect(all[2]).toBe(all[1]);
      expect(new Set(all.map((s) => s.id)).size).toBe(new Set(all).size);
    }
  });
});
