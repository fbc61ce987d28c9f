import type { Locator } from './document.ts';
import { KeptStrings } from './own-strings.ts';
import { MappingPlace, placedLocator, type ListPlace, type Place } from './yaml-places.ts';
import { OUTSIDE_PLAIN_YAML, readDoubleQuoted, readSingleQuoted, resolvePlain } from './yaml-plain-scalars.ts';

/**
 * The YAML manifests are written in, read straight into plain data.
 *
 * Why: the full reader (yaml-document.ts) keeps every token and node of the `yaml` package with
 * its place in the text, so that any problem can be pointed at; for a manifest of 100,000
 * symbols that is ~800 MB and 6 s, for a million 7 GB and 68 s. Nearly every manifest uses a
 * small part of YAML: block mappings and sequences (also `- key: value` items, and a list at its
 * key's indentation), plain or one-line quoted keys, one-line scalars (plain, 'single' or
 * "double" quoted), one-line flow lists and mappings (nested too), comments, a leading `---`, LF
 * or CR LF line ends. This reader reads that part and nothing else: on any other text (anchors,
 * tags, block or multi-line scalars, tabs, duplicate keys, ...) it returns undefined and the
 * full reader reads the text, so what it declines gets the full reader's data or errors.
 *
 * Whenever it returns data, the full reader returns the same data without an error, and points
 * every path at the same place: test/fuzz/yaml-plain-fuzz.test.ts holds it to that on seeded
 * random and mutated documents. Places are needed only for problems, so they are found by a
 * second pass when first asked for (plainYamlLocator).
 */
export function readPlainYaml(source: string): Record<string, unknown> | undefined {
  return readWith(source, false)?.data;
}

/** A locator for text that readPlainYaml read: the second pass runs on the first call. */
export function plainYamlLocator(source: string): Locator {
  return placedLocator(source, () => readWith(source, true)?.place);
}

/** How far the `:` of an implicit key may be from the key's start (YAML's limit, strict). */
export const MAX_KEY_SPAN = 1024;

/** Nesting the reader follows; deeper text goes to the full reader, which checks depth. */
export const MAX_NESTING = 64;

/** Characters the reader leaves to the full reader: controls, tabs, a CR not before LF, NEL, BOM, separators. */
export const FOREIGN_CHARACTERS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|\r(?!\n)/;

interface Read {
  data: unknown;
  place: Place;
}

function readWith(source: string, places: boolean): { data: Record<string, unknown>; place: Place } | undefined {
  if (FOREIGN_CHARACTERS.test(source)) return undefined;
  try {
    const { data, place } = new PlainYamlReader(source, places).document();
    return { data: data as Record<string, unknown>, place };
  } catch (error) {
    if (error === OUTSIDE_PLAIN_YAML) return undefined;
    throw error;
  }
}

/** Keys the core schema would read as something other than a string. */
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

class PlainYamlReader {
  /** The current line: the first with content at or after where the reader stands. */
  private lineStart = 0;
  /** Where its text ends (before LF, or CR LF) and where the next line starts. */
  private lineEnd = 0;
  private nextLine = 0;
  /** Offset of the line's first non-space character. */
  private content = 0;
  /** Its indentation in spaces; -1 when no line is left. */
  private indent = -1;
  private readonly strings = new KeptStrings();

  constructor(
    private readonly text: string,
    private readonly places: boolean,
  ) {}

  document(): Read {
    this.advance(0);
    if (this.indent === 0 && this.text.startsWith('---', this.content)) {
      this.expectLineEnd(this.content + 3);
      this.advance(this.nextLine);
    }
    if (this.indent !== 0 || !this.isKeyAt(this.content)) throw OUTSIDE_PLAIN_YAML;
    const read = this.mapping(0, 1);
    if (!this.atEnd()) throw OUTSIDE_PLAIN_YAML;
    return read;
  }

  private atEnd(): boolean {
    return this.indent === -1;
  }

  /** Moves to the first line at or after `from` that is neither blank nor only a comment. */
  private advance(from: number): void {
    const text = this.text;
    let start = from;
    while (start < text.length) {
      let next = text.indexOf('\n', start) + 1;
      if (next === 0) next = text.length;
      let end = next;
      if (text.charCodeAt(end - 1) === 10) end--;
      if (text.charCodeAt(end - 1) === 13) end--;
      let i = start;
      while (i < end && text.charCodeAt(i) === 32) i++;
      if (i < end && text.charCodeAt(i) !== 35 /* # */) {
        this.lineStart = start;
        this.lineEnd = end;
        this.nextLine = next;
        this.content = i;
        this.indent = i - start;
        return;
      }
      start = next;
    }
    this.indent = -1;
  }

  /** A block mapping whose first key is at `this.content`, its keys at column `indent`. */
  private mapping(indent: number, depth: number): Read {
    if (depth > MAX_NESTING) throw OUTSIDE_PLAIN_YAML;
    const data: Record<string, unknown> = {};
    const place: MappingPlace | undefined = this.places ? new MappingPlace(this.content) : undefined;
    for (;;) {
      const keyAt = this.content;
      const found = this.keyAt(keyAt);
      if (found === -1) throw OUTSIDE_PLAIN_YAML;
      const [key, colon] = found;
      if (Object.hasOwn(data, key)) throw OUTSIDE_PLAIN_YAML; // the full reader's error
      const value = this.valueAfter(colon + 1, indent, depth, true);
      data[key] = value.data;
      place?.set(key, keyAt, value.place);
      if (this.indent < indent) break;
      if (this.indent > indent || this.isListItem()) throw OUTSIDE_PLAIN_YAML;
    }
    return { data, place: place ?? 0 };
  }

  /** A block sequence whose first `-` is at `this.content`, at column `indent`. */
  private list(indent: number, depth: number): Read {
    if (depth > MAX_NESTING) throw OUTSIDE_PLAIN_YAML;
    const data: unknown[] = [];
    const place: ListPlace | undefined = this.places ? { at: this.content, items: [] } : undefined;
    for (;;) {
      const after = this.content + 1;
      const start = this.skipSpaces(after);
      let item: Read;
      if (this.isValueStart(start, after) && this.isKeyAt(start)) {
        // `- key: value`: a mapping whose keys line up with this first one.
        this.content = start;
        item = this.mapping(start - this.lineStart, depth + 1);
      } else {
        if (this.text.charCodeAt(start) === 45 /* - */ && this.isListItemAt(start)) throw OUTSIDE_PLAIN_YAML; // `- - x`
        item = this.valueAfter(after, indent, depth, false);
      }
      data.push(item.data);
      place?.items.push(item.place);
      if (this.indent < indent) break;
      if (this.indent > indent) throw OUTSIDE_PLAIN_YAML;
      if (!this.isListItem()) break; // a key at the list's indentation: the list was its value
    }
    return { data, place: place ?? 0 };
  }

  /**
   * The value after `key:` or `-` (at `from`): on this line, or the block on the lines below,
   * or null. A list may sit at its key's own indentation (`sameIndentList`).
   */
  private valueAfter(from: number, indent: number, depth: number, sameIndentList: boolean): Read {
    const start = this.skipSpaces(from);
    if (this.isValueStart(start, from)) {
      const read = this.inline(start, depth);
      this.advance(this.nextLine);
      if (this.indent > indent) throw OUTSIDE_PLAIN_YAML; // a scalar continued on the next line
      return read;
    }
    this.advance(this.nextLine);
    if (this.indent > indent) return this.block(depth + 1);
    if (sameIndentList && this.indent === indent && this.isListItem()) return this.list(indent, depth + 1);
    return { data: null, place: start }; // the full reader places it after the spaces
  }

  /** A mapping or list that starts on the current line, at its indentation. */
  private block(depth: number): Read {
    if (this.isListItem()) return this.list(this.indent, depth);
    if (this.isKeyAt(this.content)) return this.mapping(this.indent, depth);
    throw OUTSIDE_PLAIN_YAML; // a scalar alone on its line
  }

  /** A value that starts at `start` on the current line and must end it. */
  private inline(start: number, depth: number): Read {
    const text = this.text;
    const c = text.charCodeAt(start);
    let data: unknown;
    let end: number;
    let place: Place = start;
    if (c === 34 /* " */ || c === 39 /* ' */) [data, end] = this.quoted(start);
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      const flow = this.flowValue(start, depth + 1);
      ({ data, place } = flow);
      end = flow.end;
    } else [data, end] = this.plainScalar(start);
    this.expectLineEnd(end);
    return { data, place };
  }

  /** A plain scalar in block context: up to a comment or the line's end. */
  private plainScalar(start: number): [unknown, number] {
    const text = this.text;
    const first = text.charCodeAt(start);
    // Indicators cannot start a plain scalar; `-` only before a digit or a dot (-1, -.5).
    if ('?:,[]{}#&*!|>\'"%@`'.includes(text[start])) throw OUTSIDE_PLAIN_YAML;
    if (first === 45 /* - */ && !/[0-9.]/.test(text[start + 1] ?? '')) throw OUTSIDE_PLAIN_YAML;
    let end = start;
    for (let i = start; i < this.lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (c === 35 /* # */ && text.charCodeAt(i - 1) === 32) break;
      // `a: b` inside a value would be a mapping; brackets are left to the full reader.
      if (c === 58 /* : */ && (i + 1 === this.lineEnd || text.charCodeAt(i + 1) === 32)) throw OUTSIDE_PLAIN_YAML;
      if (c === 91 || c === 93 || c === 123 || c === 125) throw OUTSIDE_PLAIN_YAML;
      if (c !== 32) end = i + 1;
    }
    return [this.scalar(text.slice(start, end)), end];
  }

  /** A one-line quoted scalar's value (`"…"` or `'…'` at `start`), as KeptStrings gives it, and where it ends. */
  private quoted(start: number): [string, number] {
    const read = this.text.charCodeAt(start) === 34 ? readDoubleQuoted : readSingleQuoted;
    const [value, end] = read(this.text, start, this.lineEnd);
    return [this.strings.give(value), end];
  }

  /** A plain scalar's value; a string as KeptStrings gives it. */
  private scalar(text: string): unknown {
    const value = resolvePlain(text);
    return typeof value === 'string' ? this.strings.give(value) : value;
  }

  /** A value inside brackets (or one that opens them): a nested `[...]` or `{...}`, or a scalar. */
  private flowValue(start: number, depth: number): Read & { end: number } {
    const c = this.text.charCodeAt(start);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (depth > MAX_NESTING) throw OUTSIDE_PLAIN_YAML;
      return c === 91 ? this.flowList(start, depth) : this.flowMapping(start, depth);
    }
    const [data, end] = this.flowScalar(start);
    return { data, place: start, end };
  }

  /** `[a, 'b', 3]` on one line: scalars, and lists and mappings of them. */
  private flowList(start: number, depth: number): Read & { end: number } {
    const data: unknown[] = [];
    const place: ListPlace | undefined = this.places ? { at: start, items: [] } : undefined;
    let i = this.skipSpaces(start + 1);
    if (this.text.charCodeAt(i) === 93 /* ] */) return { data, place: place ?? start, end: i + 1 };
    for (;;) {
      const item = this.flowValue(i, depth + 1);
      data.push(item.data);
      place?.items.push(item.place);
      i = this.skipSpaces(item.end);
      const c = this.text.charCodeAt(i);
      if (c === 93) return { data, place: place ?? start, end: i + 1 };
      if (c !== 44 /* , */) throw OUTSIDE_PLAIN_YAML;
      i = this.skipSpaces(i + 1);
    }
  }

  /** `{key: value, ...}` on one line: plain keys; scalars, lists and mappings as values. */
  private flowMapping(start: number, depth: number): Read & { end: number } {
    const data: Record<string, unknown> = {};
    const place: MappingPlace | undefined = this.places ? new MappingPlace(start) : undefined;
    let i = this.skipSpaces(start + 1);
    if (this.text.charCodeAt(i) === 125 /* } */) return { data, place: place ?? start, end: i + 1 };
    for (;;) {
      const found = this.keyAt(i);
      if (found === -1) throw OUTSIDE_PLAIN_YAML;
      const [key, colon] = found;
      if (Object.hasOwn(data, key)) throw OUTSIDE_PLAIN_YAML;
      const valueAt = this.skipSpaces(colon + 1);
      const value = this.flowValue(valueAt, depth + 1);
      data[key] = value.data;
      place?.set(key, i, value.place);
      i = this.skipSpaces(value.end);
      const c = this.text.charCodeAt(i);
      if (c === 125) return { data, place: place ?? start, end: i + 1 };
      if (c !== 44) throw OUTSIDE_PLAIN_YAML;
      i = this.skipSpaces(i + 1);
    }
  }

  /** A scalar inside brackets: quoted, or a plain word of letters, digits and `_ . / + - ~`. */
  private flowScalar(start: number): [unknown, number] {
    const text = this.text;
    const c = text.charCodeAt(start);
    if (c === 34 || c === 39) return this.quoted(start);
    let i = start;
    while (i < this.lineEnd && /[A-Za-z0-9_./+~-]/.test(text[i])) i++;
    if (i === start || (c === 45 /* - */ && !/[0-9.]/.test(text[start + 1]))) throw OUTSIDE_PLAIN_YAML;
    return [this.scalar(text.slice(start, i)), i];
  }

  /**
   * The key that starts at `start` and the offset of its `:` (followed by a space or the line's
   * end): a plain word, or a one-line quoted scalar. -1 for anything else.
   */
  private keyAt(start: number): [string, number] | -1 {
    const text = this.text;
    const first = text.charCodeAt(start);
    let key: string;
    let end: number;
    if (first === 34 /* " */ || first === 39 /* ' */) {
      try {
        [key, end] = first === 34 ? readDoubleQuoted(text, start, this.lineEnd) : readSingleQuoted(text, start, this.lineEnd);
      } catch (error) {
        if (error === OUTSIDE_PLAIN_YAML) return -1;
        throw error;
      }
    } else {
      if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95)) return -1;
      end = start + 1;
      while (end < this.lineEnd && isKeyCharacter(text.charCodeAt(end))) end++;
      key = text.slice(start, end);
    }
    if (text.charCodeAt(end) !== 58 /* : */) return -1;
    if (end + 1 !== this.lineEnd && text.charCodeAt(end + 1) !== 32) return -1;
    if (key === '__proto__' || (first !== 34 && first !== 39 && NON_STRING_KEYS.has(key))) throw OUTSIDE_PLAIN_YAML;
    // The full reader refuses a `:` more than 1024 characters after the start of its key, and
    // after an empty value (`a:`) it counts from the end of that line: the line break and this
    // line's indent too. Keys that long are left to it (the limit here is the strictest case).
    if (end - this.lineStart + 2 > MAX_KEY_SPAN) throw OUTSIDE_PLAIN_YAML;
    return [key, end];
  }

  /** Whether a key (then `:`) starts at `start`. */
  private isKeyAt(start: number): boolean {
    return this.keyAt(start) !== -1;
  }

  private isListItem(): boolean {
    return this.text.charCodeAt(this.content) === 45 && this.isListItemAt(this.content);
  }

  /** `-` at `offset`, then a space or the line's end. */
  private isListItemAt(offset: number): boolean {
    return offset + 1 === this.lineEnd || this.text.charCodeAt(offset + 1) === 32;
  }

  /** Whether a value starts at `start` (after spaces from `from`): not the line's end, not a comment. */
  private isValueStart(start: number, from: number): boolean {
    if (start >= this.lineEnd) return false;
    return !(this.text.charCodeAt(start) === 35 && start > from);
  }

  private skipSpaces(from: number): number {
    let i = from;
    while (i < this.lineEnd && this.text.charCodeAt(i) === 32) i++;
    return i;
  }

  /** Only spaces, then the line's end or a comment, may follow a value. */
  private expectLineEnd(end: number): void {
    const i = this.skipSpaces(end);
    if (i < this.lineEnd && !(this.text.charCodeAt(i) === 35 && i > end)) throw OUTSIDE_PLAIN_YAML;
  }
}

function isKeyCharacter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46;
}
