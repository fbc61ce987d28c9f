import type { Rng } from './prng.ts';

/**
 * Random YAML documents for the plain reader's differential fuzzer: random data written in
 * random styles (block and flow, plain and quoted scalars, numbers in every core-schema form,
 * lists at their key's indentation or deeper, `- key:` items, comments, blank lines, a leading
 * `---`), with keys and scalars drawn from families that sit on the edges of YAML's grammar.
 */

/** A string the writer must quote. */
class MustQuote {
  constructor(readonly text: string) {}
}

type Data = null | boolean | number | string | MustQuote | Data[] | { [key: string]: Data };

const TRICKY_KEYS = [
  'null', 'Null', 'true', 'FALSE', 'on', 'y', 'a.b', '_x', 'x-y', '1a', 'a b', '__proto__', '"q"', "'q'",
  'key:', '#k', '-k', 'k#', '~', '.inf', 'constructor', '<<', '?x', 'é', 'k'.repeat(1024), 'k'.repeat(1025), 'q'.repeat(1023),
];
const TRICKY_SCALARS = [
  '', ' ', 'a b', 'a  b', 'a #b', 'a#b', 'a: b', 'a:b', 'a:', ':a', 'x,y', '[x]', 'x]', '{x}', '- x', '-x', '-', '--',
  '?x', '? x', '!x', '&x', '*x', '%x', '@x', '`x', '|', '>', "'q'", '"q"', "it's", 'say "hi"', 'back\\slash', 'tab\there',
  'new\nline', '\u2028', 'héllo — ✓ 🐝', '~', 'null', 'NULL', 'nUll', 'True', 'tRue', 'yes', 'no', 'off', '0', '-0', '+1',
  '007', '0o17', '0o8', '0x1F', '0xG', '1e3', '1E-3', '.5', '-.5', '5.', '1_000', '.inf', '-.Inf', '.NaN', '.nan ',
  '99999999999999999999999', '0.1.2', '1:30', '2024-01-01', '#', 'a\\nb', 'a\\"b', '\\u00e9', '__proto__', '=', 'x = 1',
];

/** `wild` draws keys and scalars from the tricky families more often. */
/** Strings that need quotes: the writer always quotes them (escapes, quotes, a leading indicator). */
const NEEDS_QUOTES = [
  'new\nline', 'tab\tbed', 'cr\rhere', 'back\\slash', 'say "hi"', "it's", 'slash/ok', 'é ✓ 🐝', '\u00e9', ': colon', '# hash', '- dash',
  '[x]', '{y}', '*star', '&amp', '!bang', '', ' padded ', 'null', 'true', '12', '0x1F', '.inf',
];

export function randomData(rng: Rng, wild: boolean, depth = 0): Data {
  const containerWeight = depth < 4 ? 3 : 0;
  return rng.weighted<() => Data>([
    [4, () => randomScalar(rng, wild)],
    [containerWeight, () => Array.from({ length: rng.int(0, 4) }, () => randomData(rng, wild, depth + 1))],
    [containerWeight, () => randomMapping(rng, wild, depth + 1)],
  ])();
}

export function randomMapping(rng: Rng, wild: boolean, depth = 0): { [key: string]: Data } {
  const out: { [key: string]: Data } = {};
  for (let i = rng.int(0, 4); i > 0; i--) out[randomKey(rng, wild)] = randomData(rng, wild, depth + 1);
  return out;
}

function randomKey(rng: Rng, wild: boolean): string {
  return rng.chance(wild ? 0.2 : 0.01) ? rng.pick(TRICKY_KEYS) : rng.word(1, 8);
}

function randomScalar(rng: Rng, wild: boolean): Data {
  return rng.weighted<() => Data>([
    [5, () => rng.word()],
    [wild ? 4 : 0.2, () => rng.pick(TRICKY_SCALARS)],
    [1, () => new MustQuote(rng.pick(NEEDS_QUOTES))],
    [2, () => rng.nastyNumber()],
    [1, () => rng.int(-1000, 1000)],
    [1, () => rng.chance(0.5)],
    [1, () => null],
  ])();
}

/** `data` (a mapping) as YAML text in random styles. */
export function writeYaml(rng: Rng, data: { [key: string]: Data }): string {
  const w = new YamlWriter(rng);
  if (rng.chance(0.2)) w.line(rng.pick(['---', '--- # start', '---   ']));
  w.mapping(data, 0);
  const newline = rng.chance(0.1) ? '\r\n' : '\n';
  return w.lines.join(newline) + (rng.chance(0.8) ? newline : '');
}

class YamlWriter {
  readonly lines: string[] = [];
  constructor(private readonly rng: Rng) {}

  line(text: string): void {
    if (this.rng.chance(0.05)) this.lines.push(this.rng.pick(['', '   ', '# note', '  # indented note', '#']));
    this.lines.push(text);
  }

  private step(): number {
    return this.rng.weighted([[6, 2], [2, 4], [1, 1], [1, 3]]);
  }

  private comment(): string {
    return this.rng.chance(0.08) ? this.rng.pick([' # c', '  #c', ' #', '#x']) : this.rng.chance(0.05) ? '   ' : '';
  }

  mapping(data: { [key: string]: Data }, indent: number, firstPrefix?: string): void {
    const pad = ' '.repeat(indent);
    let first = true;
    for (const [key, value] of Object.entries(data)) {
      const head = first && firstPrefix !== undefined ? firstPrefix : pad;
      first = false;
      this.entry(`${head}${this.key(key)}:`, value, indent, true);
    }
  }

  private list(items: Data[], indent: number): void {
    const pad = ' '.repeat(indent);
    for (const item of items) {
      const dash = `${pad}-${' '.repeat(this.rng.weighted([[8, 1], [1, 2], [1, 3]]))}`;
      if (isMapping(item) && Object.keys(item).length > 0 && this.rng.chance(0.7)) {
        this.mapping(item, dash.length, dash);
      } else {
        this.entry(`${pad}-`, item, indent, false);
      }
    }
  }

  /** `head` (a `key:` or a `-`) and its value: inline, or as a block below. */
  private entry(head: string, value: Data, indent: number, isKey: boolean): void {
    const container = Array.isArray(value) || isMapping(value);
    const empty = container && Object.keys(value as object).length === 0;
    if (!container || empty || this.rng.chance(0.15)) {
      this.line(`${head}${this.rng.pick([' ', ' ', '  '])}${this.inline(value)}${this.comment()}`);
      return;
    }
    this.line(`${head}${this.comment()}`);
    if (Array.isArray(value)) {
      const sameIndent = isKey && this.rng.chance(0.4);
      this.list(value, sameIndent ? indent : indent + this.step());
    } else {
      this.mapping(value as { [key: string]: Data }, indent + this.step());
    }
  }

  private inline(value: Data): string {
    if (Array.isArray(value)) return `[${value.map((v) => this.inline(v)).join(this.rng.pick([', ', ',', ' , ']))}]`;
    if (isMapping(value)) {
      const pairs = Object.entries(value).map(([k, v]) => `${this.key(k)}: ${this.inline(v)}`);
      return `{${this.rng.pick(['', ' '])}${pairs.join(', ')}${this.rng.pick(['', ' '])}}`;
    }
    return this.scalar(value);
  }

  private key(key: string): string {
    return this.rng.chance(0.9) ? key : this.quoted(key);
  }

  private scalar(value: null | boolean | number | string | MustQuote): string {
    if (value instanceof MustQuote) return this.quoted(value.text);
    if (value === null) return this.rng.pick(['', '~', 'null', 'Null', 'NULL']);
    if (typeof value === 'boolean') return this.rng.pick(value ? ['true', 'True', 'TRUE'] : ['false', 'False', 'FALSE']);
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0 && this.rng.chance(0.2)) return this.rng.pick([`0x${value.toString(16)}`, `0o${value.toString(8)}`]);
      if (Number.isFinite(value) && this.rng.chance(0.1)) return value.toExponential();
      return String(value).replace('Infinity', '.inf').replace('NaN', '.nan');
    }
    return this.rng.chance(0.6) ? value : this.quoted(value);
  }

  private quoted(text: string): string {
    if (this.rng.chance(0.5)) return `'${text.replaceAll("'", "''")}'`;
    return JSON.stringify(text);
  }
}

function isMapping(value: Data): value is { [key: string]: Data } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof MustQuote);
}

/** A small random edit: one character in or out, a line doubled or moved, indentation shifted. */
export function editYaml(rng: Rng, text: string): string {
  const at = rng.int(0, text.length);
  return rng.weighted<() => string>([
    [3, () => text.slice(0, at) + rng.pick([' ', ':', '#', '-', "'", '"', '[', ']', '{', '}', ',', '\n', '\t', '\\', '&', '*', '!', '|', '>', '?', '\r', '%']) + text.slice(at)],
    [2, () => text.slice(0, at) + text.slice(at + 1)],
    [2, () => {
      const lines = text.split('\n');
      const i = rng.int(0, lines.length - 1);
      lines.splice(rng.int(0, lines.length), 0, lines[i]);
      return lines.join('\n');
    }],
    [2, () => {
      const lines = text.split('\n');
      const i = rng.int(0, lines.length - 1);
      lines[i] = rng.chance(0.5) ? ` ${lines[i]}` : lines[i].replace(/^ /, '');
      return lines.join('\n');
    }],
  ])();
}

/** The data as JSON would hold it (a MustQuote is its text). */
function jsonData(value: Data): unknown {
  if (value instanceof MustQuote) return value.text;
  if (Array.isArray(value)) return value.map(jsonData);
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonData(v)]));
  return value;
}

/**
 * `data` as JSON text in a random style, for the JSON reader's differential fuzzer: compact,
 * pretty or ragged whitespace (LF or CR LF), numbers in JSON's spellings (exponents, upper-case
 * E), strings with optional `\uXXXX` and `\/` escapes.
 */
export function writeJson(rng: Rng, data: { [key: string]: Data }): string {
  const style = rng.pick(['compact', 'pretty', 'ragged'] as const);
  const newline = rng.chance(0.2) ? '\r\n' : '\n';
  const gap = (depth: number) =>
    style === 'compact' ? '' : style === 'pretty' ? newline + '  '.repeat(depth) : rng.pick(['', ' ', '  ', newline, `${newline} `]);
  const string = (text: string) => {
    let out = JSON.stringify(text);
    if (rng.chance(0.3)) out = out.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (rng.chance(0.2)) out = out.replaceAll('/', '\\/');
    return out;
  };
  const number = (n: number) => {
    if (!Number.isFinite(n)) return 'null';
    if (Number.isInteger(n) && rng.chance(0.3)) return n.toExponential().replace('e+', rng.pick(['e', 'E', 'e+']));
    return String(n);
  };
  const write = (value: unknown, depth: number): string => {
    if (value === null || typeof value === 'boolean') return String(value);
    if (typeof value === 'number') return number(value);
    if (typeof value === 'string') return string(value);
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      return `[${value.map((v) => gap(depth + 1) + write(v, depth + 1)).join(',')}${gap(depth)}]`;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    const colon = style === 'compact' ? ':' : rng.pick([': ', ':', ' : ']);
    return `{${entries.map(([k, v]) => `${gap(depth + 1)}${string(k)}${colon}${write(v, depth + 1)}`).join(',')}${gap(depth)}}`;
  };
  return write(jsonData(data), 0) + (rng.chance(0.5) ? newline : '');
}
