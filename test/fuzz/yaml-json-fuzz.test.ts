import { expect, test } from 'bun:test';
import type { DataPath } from '../../src/manifest/document.ts';
import { readFullYamlDocument } from '../../src/manifest/yaml-document.ts';
import { jsonYamlLocator, readJsonYaml } from '../../src/manifest/yaml-json.ts';
import { editYaml, randomMapping, writeJson } from './gen-yaml-text.ts';
import { caseCount, caseIndexes, fuzzSeed, Rng, testTimeout } from './prng.ts';

/**
 * The JSON reader against the full YAML reader (the `yaml` package), on seeded random data
 * written as JSON in random styles and on small edits of it. Wherever the JSON reader reads a
 * text, the full reader must read it without an error, to the same data, and place every path
 * (each value and key, a missing key, a missing item, a path through a scalar) at the same line
 * and column. Where it declines, nothing is compared: the next reader reads the text.
 */

const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(3_000));

test(`JSON reader agrees with the full YAML reader: ${indexes.length} documents and edits, FUZZ_SEED=${seed}`, () => {
  const mismatches: string[] = [];
  let read = 0;
  let readEdited = 0;
  for (const index of indexes) {
    const rng = Rng.forCase(seed, 'yaml-json', index);
    const text = writeJson(rng, randomMapping(rng, rng.chance(0.5)));
    const edited = editYaml(rng, text);
    for (const [candidate, isEdit] of [[text, false], [edited, true]] as const) {
      const what = compare(candidate);
      if (what === 'declined') continue;
      if (isEdit) readEdited++;
      else read++;
      if (what !== 'same') mismatches.push(`case ${index}${isEdit ? ' (edited)' : ''} (FUZZ_ONLY=${index}): ${what}\n${JSON.stringify(candidate)}`);
    }
  }
  if (mismatches.length > 0) throw new Error(`${mismatches.length} documents read differently:\n\n${mismatches.slice(0, 5).join('\n\n')}`);
  // The comparison means something only if the JSON reader reads much of what it is given.
  if (indexes.length >= 100) {
    expect(read).toBeGreaterThan(indexes.length * 0.5);
    expect(readEdited).toBeGreaterThan(indexes.length * 0.05);
  }
}, testTimeout(60_000));

/** 'declined', 'same', or what differs. */
function compare(text: string): string {
  const data = readJsonYaml(text);
  if (data === undefined) return 'declined';
  const full = readFullYamlDocument(text, undefined);
  const errors = [...full.syntaxIssues, ...(full.readIssues ?? [])];
  if (errors.length > 0) return `the full reader finds errors: ${errors.map((i) => i.message).join('; ')}`;
  if (!Bun.deepEquals(data, full.data, true)) return `data differ: json ${JSON.stringify(data)}, full ${JSON.stringify(full.data)}`;
  const locate = jsonYamlLocator(text);
  for (const [path, target] of pathsOf(data)) {
    const a = JSON.stringify(locate(path, target));
    const b = JSON.stringify(full.locate(path, target));
    if (a !== b) return `${target} at ${JSON.stringify(path)}: json ${a}, full ${b}`;
  }
  return 'same';
}

/** Every path in `data`, with a missing key, a missing item and a path through a scalar. */
function pathsOf(data: unknown, path: (string | number)[] = []): [DataPath, 'value' | 'key'][] {
  const out: [DataPath, 'value' | 'key'][] = [[path, 'value']];
  if (Array.isArray(data)) {
    data.forEach((item, i) => out.push(...pathsOf(item, [...path, i])));
    out.push([[...path, data.length], 'value']);
  } else if (typeof data === 'object' && data !== null) {
    for (const [key, value] of Object.entries(data)) out.push([[...path, key], 'key'], ...pathsOf(value, [...path, key]));
    out.push([[...path, 'missing-key'], 'value'], [[...path, 'missing-key'], 'key']);
  } else {
    out.push([[...path, 'through'], 'value']);
  }
  return out;
}
