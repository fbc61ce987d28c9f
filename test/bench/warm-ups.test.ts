import { describe, expect, test } from 'bun:test';
import { plan } from '../../bench/plan.ts';

/** A full run's speed rows warm the JIT up first (bench/README.md); a quick run keeps the scenarios' own. */

const warmupOf = (quick: boolean, id: string): string | null => {
  const p = plan(quick, 2, 4, null).find((q) => q.id === id);
  if (!p) throw new Error(`no row ${id}`);
  const at = p.args.indexOf('--warmup');
  return at < 0 ? null : p.args[at + 1];
};

describe('warm-ups of a full run', () => {
  test("the chain 30,000 steps, and the peer's chain thirty times its 200 steps", () => {
    expect(warmupOf(false, 'swarm-chain-1k')).toBe('30000');
    expect(warmupOf(false, 'bullmq-chain-200')).toBe('6000');
  });

  test('the 50k and 100k flat rows 50,000 tasks; the 10k row its own short one', () => {
    expect(warmupOf(false, 'swarm-flat-50k')).toBe('50000');
    expect(warmupOf(false, 'swarm-flat-100k')).toBe('50000');
    expect(warmupOf(false, 'swarm-flat-10k')).toBeNull();
  });

  test('a quick run passes none: each scenario warms up as it does by default', () => {
    for (const id of ['swarm-chain-1k', 'swarm-flat-1k', 'swarm-flat-10k', 'bullmq-chain-200']) expect(warmupOf(true, id)).toBeNull();
  });
});
