import type { Locator } from './document.ts';
import { KeptStrings } from './own-strings.ts';
import { FOREIGN_CHARACTERS, MAX_KEY_SPAN, MAX_NESTING } from './yaml-plain.ts';
import { MappingPlace, placedLocator, type ListPlace, type Place } from './yaml-places.ts';
import { OUTSIDE_PLAIN_YAML, readDoubleQuoted, resolvePlain } from './yaml-plain-scalars.ts';

/**
 * A manifest written as JSON (which YAML 1.2 reads too), read straight into plain data.
 *
 * Why: generated manifests are often JSON (`JSON.stringify` of a list of symbols, saved as
 * .yaml), which is all flow collections, so the lean block-style reader (yaml-plain.ts)
 * declines it, and the full reader keeps a node per token: 100,000 symbols took 7 s and 1.4 GB
 * to validate, a million would not fit in memory.
 *
 * Strict JSON only, and only where YAML reads it the same: on anything else (comments, a key
 * given twice, `__proto__` or `<<` as a key, escapes the lean reader leaves to the full one, a
 * key over 1024 characters or not on one line with its `:`, deep nesting, tabs) it returns
 * undefined and the next reader tries. Scalars resolve through the lean reader's resolvePlain
 * and readDoubleQuoted, which match the `yaml` package; test/fuzz/yaml-json-fuzz.test.ts holds
 * the data and every place to the full reader's.
 */
export function readJsonYaml(source: string): Record<string, unknown> | undefined {
  return readWith(source, false)?.data;
}

/** A locator for text that readJsonYaml read: the places are found on the first call. */
export function jsonYamlLocator(source: string): Locator {
  return placedLocator(source, () => readWith(source, true)?.place);
}

function readWith(source: string, places: boolean): { data: Record<string, unknown>; place: Place } | undefined {
  if (FOREIGN_CHARACTERS.test(source)) return undefined;
  const start = skipWhitespace(source, 0);
  if (source.charCodeAt(start) !== 123 /* { */) return undefined;
  try {
    const reader = new JsonYamlReader(source, places);
    const { data, place, end } = reader.value(start, 1);
    if (skipWhitespace(source, end) !== source.length) return undefined;
    return { data: data as Record<string, unknown>, place };
  } catch (error) {
    if (error === OUTSIDE_PLAIN_YAML) return undefined;
    throw error;
  }
}

/** JSON's whitespace, tabs aside (FOREIGN_CHARACTERS declines them, as YAML treats them apart). */
function skipWhitespace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13) return i;
    i++;
  }
}

/** A JSON number, as the grammar has it. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;

interface Read {
  data: unknown;
  place: Place;
  end: number;
}

class JsonYamlReader {
  private readonly strings = new KeptStrings();
  /** Where the line of the last string read ends (see `string`). */
  private lineEnd = -1;

  constructor(
    private readonly text: string,
    private readonly places: boolean,
  ) {}

  value(start: number, depth: number): Read {
    const c = this.text.charCodeAt(start);
    if (c === 123 /* { */) return this.mapping(start, depth);
    if (c === 91 /* [ */) return this.list(start, depth);
    if (c === 34 /* " */) {
      const [data, end] = this.string(start);
      return { data: this.strings.give(data), place: start, end };
    }
    return this.scalar(start);
  }

  private mapping(start: number, depth: number): Read {
    if (depth > MAX_NESTING) throw OUTSIDE_PLAIN_YAML;
    const text = this.text;
    const data: Record<string, unknown> = {};
    const place: MappingPlace | undefined = this.places ? new MappingPlace(start) : undefined;
    let i = skipWhitespace(text, start + 1);
    if (text.charCodeAt(i) === 125 /* } */) return { data, place: place ?? start, end: i + 1 };
    for (;;) {
      if (text.charCodeAt(i) !== 34) throw OUTSIDE_PLAIN_YAML;
      const keyAt = i;
      const [key, keyEnd] = this.string(i);
      // YAML: an implicit key is on one line with its `:`, at most 1024 characters before it.
      i = skipWhitespace(text, keyEnd);
      if (text.charCodeAt(i) !== 58 /* : */ || text.slice(keyEnd, i).includes('\n') || i - keyAt > MAX_KEY_SPAN) throw OUTSIDE_PLAIN_YAML;
      // A key given twice is the full reader's to report; `<<` would be a merge key there.
      if (key === '__proto__' || key === '<<' || Object.hasOwn(data, key)) throw OUTSIDE_PLAIN_YAML;
      const value = this.value(skipWhitespace(text, i + 1), depth + 1);
      data[key] = value.data;
      place?.set(key, keyAt, value.place);
      i = skipWhitespace(text, value.end);
      const c = text.charCodeAt(i);
      if (c === 125) return { data, place: place ?? start, end: i + 1 };
      if (c !== 44 /* , */) throw OUTSIDE_PLAIN_YAML;
      i = skipWhitespace(text, i + 1);
    }
  }

  private list(start: number, depth: number): Read {
    if (depth > MAX_NESTING) throw OUTSIDE_PLAIN_YAML;
    const text = this.text;
    const data: unknown[] = [];
    const place: ListPlace | undefined = this.places ? { at: start, items: [] } : undefined;
    let i = skipWhitespace(text, start + 1);
    if (text.charCodeAt(i) === 93 /* ] */) return { data, place: place ?? start, end: i + 1 };
    for (;;) {
      const item = this.value(i, depth + 1);
      data.push(item.data);
      place?.items.push(item.place);
      i = skipWhitespace(text, item.end);
      const c = text.charCodeAt(i);
      if (c === 93) return { data, place: place ?? start, end: i + 1 };
      if (c !== 44) throw OUTSIDE_PLAIN_YAML;
      i = skipWhitespace(text, i + 1);
    }
  }

  /** A double-quoted string: JSON's are on one line, as readDoubleQuoted reads them. */
  private string(start: number): [string, number] {
    // The line's end found once per line, not once per string: a one-line JSON file of
    // megabytes would be read in quadratic time.
    if (this.lineEnd < start) {
      const next = this.text.indexOf('\n', start);
      this.lineEnd = next === -1 ? this.text.length : next;
    }
    return readDoubleQuoted(this.text, start, this.lineEnd);
  }

  /** A number, `true`, `false` or `null`, as YAML's core schema resolves the same text. */
  private scalar(start: number): Read {
    const text = this.text;
    let end: number;
    if (text.startsWith('true', start)) end = start + 4;
    else if (text.startsWith('false', start)) end = start + 5;
    else if (text.startsWith('null', start)) end = start + 4;
    else {
      NUMBER.lastIndex = start;
      if (!NUMBER.test(text)) throw OUTSIDE_PLAIN_YAML;
      end = NUMBER.lastIndex;
    }
    // `1x` or `truex` is not JSON (and YAML would read one plain scalar).
    const next = text.charCodeAt(end);
    if (!(next === 44 || next === 93 || next === 125 || next === 32 || next === 10 || next === 13 || Number.isNaN(next))) throw OUTSIDE_PLAIN_YAML;
    return { data: resolvePlain(text.slice(start, end)), place: start, end };
  }
}
