import { expect, test } from 'bun:test';
import type { DataPath } from '../../src/manifest/document.ts';
import { readFullYamlDocument } from '../../src/manifest/yaml-document.ts';
import { plainYamlLocator, readPlainYaml } from '../../src/manifest/yaml-plain.ts';
import { editYaml, randomMapping, writeYaml } from './gen-yaml-text.ts';
import { caseCount, caseIndexes, fuzzSeed, Rng, testTimeout } from './prng.ts';

/**
 * The plain YAML reader against the full one (the `yaml` package), on seeded random documents
 * (random data in random styles) and on small edits of them. Wherever the plain reader reads a
 * text, the full reader must read it without an error, to the same data, and place every path
 * (each value and key, a missing key, a missing item, a path through a scalar) at the same line
 * and column. Where it declines, nothing is compared: the full reader then reads the text.
 */

const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(3_000));

interface Mismatch {
  index: number;
  edited: boolean;
  text: string;
  what: string;
}

test(`plain YAML reader agrees with the full reader: ${indexes.length} documents and edits, FUZZ_SEED=${seed}`, () => {
  const mismatches: Mismatch[] = [];
  let read = 0;
  let readEdited = 0;
  for (const index of indexes) {
    const rng = Rng.forCase(seed, 'yaml-plain', index);
    const text = writeYaml(rng, randomMapping(rng, rng.chance(0.5)));
    const edited = editYaml(rng, text);
    for (const [candidate, isEdit] of [[text, false], [edited, true]] as const) {
      const what = compare(candidate);
      if (what === 'declined') continue;
      if (isEdit) readEdited++;
      else read++;
      if (what !== 'same') mismatches.push({ index, edited: isEdit, text: candidate, what });
    }
  }
  if (mismatches.length > 0) {
    const shown = mismatches.slice(0, 5).map((m) => `case ${m.index}${m.edited ? ' (edited)' : ''} (FUZZ_ONLY=${m.index}): ${m.what}\n${JSON.stringify(m.text)}`);
    throw new Error(`${mismatches.length} documents read differently:\n\n${shown.join('\n\n')}`);
  }
  // The comparison means something only if the plain reader reads much of what it is given.
  if (indexes.length >= 100) {
    expect(read).toBeGreaterThan(indexes.length * 0.3);
    expect(readEdited).toBeGreaterThan(indexes.length * 0.05);
  }
}, testTimeout(60_000));

/** 'declined', 'same', or what differs. */
function compare(text: string): string {
  const plain = readPlainYaml(text);
  if (plain === undefined) return 'declined';
  const full = readFullYamlDocument(text, undefined);
  const errors = [...full.syntaxIssues, ...(full.readIssues ?? [])];
  if (errors.length > 0) return `the full reader finds errors: ${errors.map((i) => i.message).join('; ')}`;
  if (!Bun.deepEquals(plain, full.data, true)) return `data differ: plain ${show(plain)}, full ${show(full.data)}`;
  const locate = plainYamlLocator(text);
  for (const [path, target] of pathsOf(plain)) {
    const a = JSON.stringify(locate(path, target));
    const b = JSON.stringify(full.locate(path, target));
    if (a !== b) return `${target} at ${JSON.stringify(path)}: plain ${a}, full ${b}`;
  }
  return 'same';
}

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** Every path in `data`, with a missing key, a missing item and a path through a scalar. */
function pathsOf(data: unknown, path: (string | number)[] = []): [DataPath, 'value' | 'key'][] {
  const out: [DataPath, 'value' | 'key'][] = [[path, 'value']];
  if (Array.isArray(data)) {
    data.forEach((item, i) => out.push(...pathsOf(item, [...path, i])));
    out.push([[...path, data.length], 'value']);
  } else if (typeof data === 'object' && data !== null) {
    for (const [key, value] of Object.entries(data)) {
      out.push([[...path, key], 'key'], ...pathsOf(value, [...path, key]));
    }
    out.push([[...path, 'missing-key'], 'value'], [[...path, 'missing-key'], 'key']);
  } else {
    out.push([[...path, 'through'], 'value']);
  }
  return out;
}
