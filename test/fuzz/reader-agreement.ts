import type { DataPath, Locator } from '../../src/manifest/document.ts';
import { readFullYamlDocument } from '../../src/manifest/yaml-document.ts';
import { editYaml, randomMapping } from './gen-yaml-text.ts';
import { type Rng } from './prng.ts';

/**
 * A lean reader held to the full YAML reader (the `yaml` package): wherever the lean reader
 * reads a text, the full reader must read it without an error (or a read issue, such as a key
 * given twice), to the same data, and place every path (each value and key, a missing key, a
 * missing item, a path through a scalar) at the same line and column. Where the lean reader
 * declines, nothing is compared: the next reader reads the text.
 */
export interface LeanReader {
  read(text: string): Record<string, unknown> | undefined;
  locator(text: string): Locator;
}

/** Counts of texts read, and what differed, over seeded random documents and an edit of each. */
export function agreementOver(
  reader: LeanReader,
  indexes: number[],
  documentOf: (index: number) => { rng: Rng; write: (rng: Rng, data: ReturnType<typeof randomMapping>) => string },
): { read: number; readEdited: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let read = 0;
  let readEdited = 0;
  for (const index of indexes) {
    const { rng, write } = documentOf(index);
    const text = write(rng, randomMapping(rng, rng.chance(0.5)));
    const edited = editYaml(rng, text);
    for (const [candidate, isEdit] of [[text, false], [edited, true]] as const) {
      const what = compare(reader, candidate);
      if (what === 'declined') continue;
      if (isEdit) readEdited++;
      else read++;
      if (what !== 'same') mismatches.push(`case ${index}${isEdit ? ' (edited)' : ''} (FUZZ_ONLY=${index}): ${what}\n${JSON.stringify(candidate)}`);
    }
  }
  return { read, readEdited, mismatches };
}

/** 'declined', 'same', or what differs. */
function compare(reader: LeanReader, text: string): string {
  const data = reader.read(text);
  if (data === undefined) return 'declined';
  const full = readFullYamlDocument(text, undefined);
  const errors = [...full.syntaxIssues, ...(full.readIssues ?? [])];
  if (errors.length > 0) return `the full reader finds errors: ${errors.map((i) => i.message).join('; ')}`;
  if (!Bun.deepEquals(data, full.data, true)) return `data differ: lean ${show(data)}, full ${show(full.data)}`;
  const locate = reader.locator(text);
  for (const [path, target] of pathsOf(data)) {
    const a = JSON.stringify(locate(path, target));
    const b = JSON.stringify(full.locate(path, target));
    if (a !== b) return `${target} at ${JSON.stringify(path)}: lean ${a}, full ${b}`;
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
    for (const [key, value] of Object.entries(data)) out.push([[...path, key], 'key'], ...pathsOf(value, [...path, key]));
    out.push([[...path, 'missing-key'], 'value'], [[...path, 'missing-key'], 'key']);
  } else {
    out.push([[...path, 'through'], 'value']);
  }
  return out;
}
