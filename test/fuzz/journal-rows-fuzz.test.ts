import { expect, test } from 'bun:test';
import { encodeEarlier, expandRow, type RowTransition } from '../../src/store/merged-transitions.ts';
import { mutateText } from './mutate.ts';
import { caseCount, caseIndexes, fuzzSeed, Rng, testTimeout } from './prng.ts';

/**
 * The SQLite journal's rows that hold several transitions (src/store/merged-transitions.ts):
 * seeded random transitions of any text round-trip through `earlier` exactly, with their seqs;
 * and a damaged `earlier` (a mutation of a real one) either still reads as transitions of the
 * stored shape or fails as DamagedJournalRowError, never with another error.
 */

const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(2_000));

function text(rng: Rng): string {
  return rng.chance(0.7) ? rng.word() : rng.nastyString();
}

function payloadText(rng: Rng): string | null {
  return rng.weighted<() => string | null>([
    [4, () => null],
    [2, () => JSON.stringify({ attempt: rng.int(1, 9) })],
    [1, () => JSON.stringify({ output: text(rng), nested: [1, { deep: text(rng) }] })],
    [1, () => JSON.stringify(text(rng))],
    [1, () => JSON.stringify(rng.int(-1e9, 1e9) / 7)],
  ])();
}

function transitions(rng: Rng): RowTransition[] {
  return Array.from({ length: rng.int(1, 32) }, () => ({
    from: rng.chance(0.1) ? null : text(rng),
    to: text(rng),
    event: text(rng),
    payload: payloadText(rng),
    at: rng.int(0, 2 ** 42),
  }));
}

function expanded(seq: number, earlier: string | null, own: RowTransition, afterSeq: number): { seq: number; t: RowTransition }[] {
  const out: { seq: number; t: RowTransition }[] = [];
  expandRow(seq, earlier, own, afterSeq, (s, t) => out.push({ seq: s, t }));
  return out;
}

/** `earlier` still JSON, with one entry, or the whole, replaced by a value of another shape. */
function reshaped(rng: Rng, earlier: string): string {
  const entries = JSON.parse(earlier) as unknown[][];
  const other = rng.pick<unknown>([
    5, 'text', null, {}, [], ['pending'], ['a', 'b', 'c'], ['a', 'b', 'c', '12'], ['a', 'b', 'c', 1, 2], [1, 'b', 'c', 1], ['a', 'b', 'c', 1, 'p', 'extra'],
  ]);
  if (rng.chance(0.2)) return JSON.stringify(other);
  entries[rng.int(0, entries.length - 1)] = other as unknown[];
  return JSON.stringify(entries);
}

test(`merged journal rows: ${indexes.length} random rows round-trip, and damaged ones fail as damaged, FUZZ_SEED=${seed}`, () => {
  const failures: string[] = [];
  let damagedRead = 0;
  let damagedRefused = 0;
  for (const index of indexes) {
    const rng = Rng.forCase(seed, 'journal-rows', index);
    const sent = transitions(rng);
    const seq = rng.int(sent.length, 2 ** 40);
    const own = sent[sent.length - 1];
    const earlier = sent.length > 1 ? encodeEarlier(sent, 0, sent.length - 1) : null;

    const back = expanded(seq, earlier, own, 0);
    const want = sent.map((t, i) => ({ seq: seq - sent.length + 1 + i, t }));
    if (!Bun.deepEquals(back, want, true)) failures.push(`case ${index}: round trip differs`);
    const after = seq - rng.int(0, sent.length);
    if (!Bun.deepEquals(expanded(seq, earlier, own, after), want.filter((w) => w.seq > after), true)) {
      failures.push(`case ${index}: afterSeq ${after} of row ${seq} cut it wrong`);
    }

    if (earlier === null) continue;
    const damaged = rng.chance(0.5) ? new TextDecoder().decode(mutateText(rng, new TextEncoder().encode(earlier)).bytes) : reshaped(rng, earlier);
    try {
      for (const { t } of expanded(seq, damaged, own, 0)) {
        const ok =
          (t.from === null || typeof t.from === 'string') && typeof t.to === 'string' && typeof t.event === 'string' &&
          typeof t.at === 'number' && (t.payload === null || typeof t.payload === 'string');
        if (!ok) failures.push(`case ${index}: a damaged row read as a transition of another shape: ${JSON.stringify(t)}`);
      }
      damagedRead++;
    } catch (err) {
      if ((err as Error).name !== 'DamagedJournalRowError') failures.push(`case ${index}: a damaged row failed with ${String(err)}`);
      damagedRefused++;
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} failures:\n${failures.slice(0, 10).join('\n')}`);
  // The damage check means something only if mutations both break rows and leave some readable.
  if (indexes.length >= 100) {
    expect(damagedRefused).toBeGreaterThan(indexes.length * 0.1);
    expect(damagedRead).toBeGreaterThan(0);
  }
}, testTimeout(60_000));
