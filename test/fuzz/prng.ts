/**
 * The fuzzers' randomness: a small seeded PRNG (mulberry32) and the knobs every fuzzer shares.
 *
 * - FUZZ_SEED   the run's seed (default DEFAULT_SEED); every failure report prints it.
 * - FUZZ_CASES  a multiplier of every fuzzer's case count (default 1; e.g. FUZZ_CASES=20 for a
 *               long local run). A plain integer > 1 multiplies; a fraction shrinks.
 * - FUZZ_ONLY   run only these case indexes (comma-separated), to reproduce a reported failure.
 * - FUZZ_ALLOW_KNOWN=1  failures of a class listed in known.ts are reported but do not fail the
 *               test (for checking that nothing NEW appeared while known fixes are in flight).
 *
 * Case `i` of a fuzzer draws from its own generator, seeded from (seed, fuzzer, i), so one case
 * reproduces alone: `FUZZ_SEED=<seed> FUZZ_ONLY=<i> npx bun test test/fuzz/<file>`.
 */

export const DEFAULT_SEED = 0x5eed_0009;

export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`FUZZ_SEED must be a number, got ${JSON.stringify(raw)}`);
  return n >>> 0;
}

/** `base` cases, scaled by FUZZ_CASES (at least 1). */
export function caseCount(base: number): number {
  const raw = process.env.FUZZ_CASES;
  const factor = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`FUZZ_CASES must be a positive number, got ${JSON.stringify(raw)}`);
  return Math.max(1, Math.round(base * factor));
}

/** The case indexes to run: FUZZ_ONLY's list, else 0..count-1. */
export function caseIndexes(count: number): number[] {
  const only = process.env.FUZZ_ONLY;
  if (only) return only.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n >= 0);
  return Array.from({ length: count }, (_, i) => i);
}

export const allowKnown = (): boolean => process.env.FUZZ_ALLOW_KNOWN === '1';

/** A 32-bit hash of strings and numbers, to derive per-case seeds. */
export function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = String(part) + '\u0000';
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator of case `index` of fuzzer `fuzzer` under `seed`. */
  static forCase(seed: number, fuzzer: string, index: number): Rng {
    return new Rng(hash32(seed, fuzzer, index));
  }

  /** mulberry32: a float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [w, value] of choices) {
      r -= w;
      if (r < 0) return value;
    }
    return choices[choices.length - 1][1];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** Random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A short identifier-like word. */
  word(min = 1, max = 10): string {
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789-_.';
    const n = this.int(min, max);
    let s = this.pick('abcdefghijklmnopqrstuvwxyz'.split(''));
    while (s.length < n) s += this.pick(letters.split(''));
    return s;
  }

  /** A string from one of several nasty families (unicode, control characters, long, ...). */
  nastyString(): string {
    return this.weighted<() => string>([
      [3, () => this.word()],
      [1, () => ''],
      [1, () => ' '],
      [2, () => 'a'.repeat(this.pick([129, 1_000, 70_000, 200_000]))],
      [2, () => `nul\u0000byte`],
      [2, () => String.fromCharCode(...Array.from({ length: this.int(1, 8) }, () => this.int(0, 31)))],
      [1, () => '\u007f\u0085\u2028\u2029'],
      [2, () => 'héllo wörld — ✓ 🐝 ﷽ 𝕏'],
      [1, () => '\u202eevil\u202c'],
      [1, () => '\ufeffbom'],
      [1, () => '\ud800'], // a lone surrogate: not UTF-8 encodable (becomes U+FFFD in a file)
      [1, () => '../../../../etc/passwd'],
      [1, () => '%00%ff%2e%2e'],
      [1, () => '${HOME} $(id) `id`'],
      [1, () => '<script>alert(1)</script>'],
      [1, () => '"\'\\'],
      [1, () => 'a\nb: c\n- d'],
      [1, () => '*alias &anchor !!tag'],
      [1, () => 'x = 1\n[y]'],
      [1, () => '__proto__'],
      [1, () => 'constructor'],
      [1, () => 'toString'],
    ])();
  }

  /** A number from the interesting ones: bounds, huge, negative, fractional, non-finite. */
  nastyNumber(): number {
    return this.pick([
      0, -0, 1, -1, 0.5, -0.5, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63,
      1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -(2 ** 31), -(2 ** 53), NaN, Infinity, -Infinity, 65_535,
      65_536, 1_048_576, 3, 100, 99_999_999_999,
    ]);
  }
}

/** A test's time limit, scaled like its case count (a long FUZZ_CASES run needs longer). */
export function testTimeout(baseMs: number): number {
  const raw = Number(process.env.FUZZ_CASES || 1);
  return Math.round(baseMs * Math.max(1, Number.isFinite(raw) ? raw : 1));
}
