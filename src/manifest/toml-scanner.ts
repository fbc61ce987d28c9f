import { LOCATED_DEPTH } from './limits.ts';

/**
 * smol-toml gives no positions for the values it returns, so this scanner walks the (already
 * valid) TOML text once and records where every key, table header and array element starts.
 * It understands just enough TOML to skip strings, comments and nested values correctly; on
 * anything unexpected it gives up and returns nothing, so callers never get a wrong position.
 */

export interface ScannedPlace {
  /** Offset of the key (or table header, or array element). */
  keyOffset: number;
  /** Offset of the value; equal to keyOffset for headers and array elements. */
  valueOffset: number;
}

/** Map from a JSON-encoded data path (e.g. `["symbols",0,"timeout"]`) to where it is written. */
export type ScannedPlaces = Map<string, ScannedPlace>;

export const pathKey = (path: readonly (string | number)[]): string => JSON.stringify(path);

/**
 * Places are recorded down to the depth issues point at (LOCATED_DEPTH), so each key costs a
 * bounded number of steps however deep its table: the scan stays linear.
 */
const PLACE_DEPTH = LOCATED_DEPTH;

/** A data path, or null below PLACE_DEPTH (scanned, not recorded). */
type ScanPath = (string | number)[] | null;

class ScanError extends Error {}

/** Scans valid TOML text; returns an empty map if the text is not what the scanner expects. */
export function scanTomlPlaces(text: string): ScannedPlaces {
  try {
    return new TomlScanner(text).scan();
  } catch (error) {
    if (error instanceof ScanError) return new Map();
    throw error;
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

class TomlScanner {
  private pos = 0;
  private readonly places: ScannedPlaces = new Map();
  /** How many `[[x]]` entries each array of tables has so far, keyed by its resolved path. */
  private readonly tableArrayCounts = new Map<string, number>();

  constructor(private readonly text: string) {}

  scan(): ScannedPlaces {
    if (this.text.startsWith('\uFEFF')) this.pos = 1;
    let table: ScanPath = [];
    for (;;) {
      this.skipBlank(true);
      if (this.pos >= this.text.length) return this.places;
      if (this.text[this.pos] === '[') table = this.header();
      else this.keyValue(table);
    }
  }

  /** `[a.b]` or `[[a.b]]`; returns the resolved path of the table it opens (null: too deep to record). */
  private header(): ScanPath {
    const start = this.pos;
    const isArray = this.text.startsWith('[[', this.pos);
    this.pos += isArray ? 2 : 1;
    const keys = this.dottedKey();
    this.expect(isArray ? ']]' : ']');
    const path: (string | number)[] = [];
    for (const [i, key] of keys.entries()) {
      if (path.length >= PLACE_DEPTH) {
        // Deeper than any issue points: note where the table starts and scan on.
        this.recordTables(path, start, 1, path.length);
        return null;
      }
      path.push(key);
      const count = this.tableArrayCounts.get(pathKey(path));
      const isOwnSegment = i === keys.length - 1;
      if (isArray && isOwnSegment) {
        this.tableArrayCounts.set(pathKey(path), (count ?? 0) + 1);
        path.push(count ?? 0);
      } else if (count !== undefined) {
        path.push(count - 1); // a sub-table of the latest entry of an array of tables
      }
    }
    this.recordTables(path, start, 1, path.length - 1);
    this.places.set(pathKey(path), { keyOffset: start, valueOffset: start });
    return path;
  }

  private keyValue(prefix: ScanPath): void {
    const keyOffset = this.pos;
    const keys = this.dottedKey();
    this.skipBlank(false);
    this.expect('=');
    this.skipBlank(false);
    let path: ScanPath = null;
    if (prefix !== null) {
      const full = [...prefix, ...keys.slice(0, PLACE_DEPTH - prefix.length)];
      const recorded = prefix.length + keys.length <= PLACE_DEPTH;
      // `a.b.c = 1` also writes the tables a and a.b: they are placed here unless placed before.
      this.recordTables(full, keyOffset, prefix.length + 1, recorded ? full.length - 1 : full.length);
      if (recorded) {
        path = full;
        this.places.set(pathKey(path), { keyOffset, valueOffset: this.pos });
      }
    }
    this.value(path);
  }

  /** Places, where none is yet, the tables `path` goes through, from `from` to `to` segments long. */
  private recordTables(path: readonly (string | number)[], offset: number, from: number, to: number): void {
    for (let length = from; length <= to; length++) {
      const key = pathKey(path.slice(0, length));
      if (!this.places.has(key)) this.places.set(key, { keyOffset: offset, valueOffset: offset });
    }
  }

  private dottedKey(): string[] {
    const keys: string[] = [];
    for (;;) {
      this.skipBlank(false);
      keys.push(this.simpleKey());
      this.skipBlank(false);
      if (this.text[this.pos] !== '.') return keys;
      this.pos++;
    }
  }

  private simpleKey(): string {
    const quote = this.text[this.pos];
    if (quote === '"' || quote === "'") {
      const start = this.pos;
      this.skipString();
      // A quoted key is a one-line string; JSON.parse decodes basic-string escapes.
      const raw = this.text.slice(start, this.pos);
      return quote === '"' ? decodeBasicKey(raw) : raw.slice(1, -1);
    }
    const start = this.pos;
    while (this.pos < this.text.length && BARE_KEY.test(this.text[this.pos])) this.pos++;
    if (this.pos === start) throw new ScanError('expected a key');
    return this.text.slice(start, this.pos);
  }

  private value(path: ScanPath): void {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.skipString();
    if (c === '[') return this.array(path);
    if (c === '{') return this.inlineTable(path);
    // Numbers, booleans, dates (which may contain a space) run up to a delimiter.
    const start = this.pos;
    while (this.pos < this.text.length && !/[,\]}\n\r#]/.test(this.text[this.pos])) this.pos++;
    if (this.pos === start) throw new ScanError('expected a value');
  }

  private array(path: ScanPath): void {
    this.pos++; // [
    for (let index = 0; ; index++) {
      this.skipBlank(true);
      if (this.text[this.pos] === ']') break;
      const element = path !== null && path.length < PLACE_DEPTH ? [...path, index] : null;
      if (element !== null) this.places.set(pathKey(element), { keyOffset: this.pos, valueOffset: this.pos });
      this.value(element);
      this.skipBlank(true);
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') throw new ScanError('expected , or ]');
    }
    this.pos++; // ]
  }

  private inlineTable(path: ScanPath): void {
    this.pos++; // {
    for (;;) {
      this.skipBlank(true);
      if (this.text[this.pos] === '}') break;
      this.keyValue(path);
      this.skipBlank(true);
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw new ScanError('expected , or }');
    }
    this.pos++; // }
  }

  /** Skips a basic, literal, multi-line basic or multi-line literal string. */
  private skipString(): void {
    const quote = this.text[this.pos];
    const escapes = quote === '"';
    const triple = quote.repeat(3);
    const multiline = this.text.startsWith(triple, this.pos);
    this.pos += multiline ? 3 : 1;
    for (;;) {
      if (this.pos >= this.text.length) throw new ScanError('unterminated string');
      const c = this.text[this.pos];
      if (escapes && c === '\\') {
        this.pos += 2;
      } else if (multiline && this.text.startsWith(triple, this.pos)) {
        this.pos += 3;
        // Up to two quotes right before the closing delimiter belong to the string.
        for (let extra = 0; extra < 2 && this.text[this.pos] === quote; extra++) this.pos++;
        return;
      } else if (!multiline && c === quote) {
        this.pos++;
        return;
      } else if (!multiline && c === '\n') {
        throw new ScanError('newline in string');
      } else {
        this.pos++;
      }
    }
  }

  /** Skips spaces, tabs and comments; newlines too when `newlines` is set. */
  private skipBlank(newlines: boolean): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else {
        return;
      }
    }
  }

  private expect(token: string): void {
    if (!this.text.startsWith(token, this.pos)) throw new ScanError(`expected ${token}`);
    this.pos += token.length;
  }
}

/** Decodes a quoted key; JSON covers the common escapes, and TOML-only ones make us give up. */
function decodeBasicKey(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    throw new ScanError('unsupported escape in key');
  }
}
