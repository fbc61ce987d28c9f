import { stringify as tomlStringify } from 'smol-toml';
import { stringify as yamlStringify } from 'yaml';
import type { Rng } from './prng.ts';
import { mutateText } from './mutate.ts';

/**
 * Manifest cases: valid manifests (random DAGs of internal operations) in YAML or TOML, mutated
 * structurally (type swaps, nasty numbers and strings, unknown keys, deep nesting, duplicate
 * names, unknown deps, cycles, ...) and/or textually (byte flips, truncation, line edits, NUL,
 * control characters), plus adversarial documents written by hand (alias bombs, self-referencing
 * anchors, 100k-deep nesting, thousands of symbols).
 */

export type ManifestFormat = 'yaml' | 'toml';

export interface ManifestCase {
  label: string;
  format: ManifestFormat;
  bytes: Uint8Array;
  /** Big on purpose (thousands of symbols, 100k-deep): always also run through the real CLI. */
  heavy: boolean;
}

const TYPES = ['action', 'filter', 'state', 'query', 'transform'];
const CONTEXTS = ['wordpress', 'filesystem', 'database', 'network', 'generic'];
const DISPATCH = ['internal', 'php_engine', 'rust_injector', 'powershell_engine'];
const OPERATIONS = ['noop', 'echo', 'delay', 'fail', 'state.set', 'state.get', 'log'];

type Data = Record<string, any>;

function validParameters(rng: Rng, op: string): Data {
  switch (op) {
    case 'echo':
      return rng.chance(0.5) ? { operation: op, message: rng.word() } : { operation: op };
    case 'delay':
      return { operation: op, ms: rng.int(0, 50) };
    case 'fail':
      return { operation: op, message: rng.word(), ...(rng.chance(0.5) ? { times: rng.int(1, 3) } : {}) };
    case 'state.set':
      return { operation: op, key: rng.word(), value: rng.pick([1, 'v', true, [1, 2], { a: 1 }]) };
    case 'state.get':
      return { operation: op, key: rng.word() };
    case 'log':
      return { operation: op, message: rng.word(), ...(rng.chance(0.5) ? { level: rng.pick(['error', 'warn', 'info', 'debug', 'verbose']) } : {}) };
    default:
      return { operation: op };
  }
}

/** A valid manifest: `n` symbols, each depending only on earlier ones (so no cycle). */
export function validManifest(rng: Rng, n = rng.int(1, 8)): Data {
  const names = Array.from({ length: n }, (_, i) => `s${i}-${rng.word(1, 6)}`);
  const symbols = names.map((name, i) => {
    const op = rng.pick(OPERATIONS);
    const symbol: Data = { name, type: rng.pick(TYPES) };
    if (rng.chance(0.3)) symbol.context = rng.pick(CONTEXTS);
    if (rng.chance(0.2)) symbol.dispatch = 'internal';
    if (rng.chance(0.3)) symbol.priority = rng.int(-10, 10);
    if (rng.chance(0.3)) symbol.timeout = rng.int(1, 60_000);
    if (rng.chance(0.3)) symbol.retries = rng.int(0, 5);
    if (i > 0 && rng.chance(0.6)) {
      const deps = new Set<string>();
      for (let k = rng.int(1, Math.min(3, i)); k > 0; k--) deps.add(names[rng.int(0, i - 1)]);
      symbol.dependencies = [...deps];
    }
    symbol.parameters = validParameters(rng, op);
    if (rng.chance(0.15)) symbol.rollback = { name: `undo-${name}`, type: 'action', parameters: { operation: 'log', message: 'undo' } };
    return symbol;
  });
  const manifest: Data = { name: `wf-${rng.word()}`, symbols };
  if (rng.chance(0.3)) manifest.version = '1.0.0';
  if (rng.chance(0.3)) manifest.description = 'fuzzed';
  if (rng.chance(0.3)) manifest.metadata = { owner: rng.word(), tags: [rng.word(), rng.word()] };
  if (rng.chance(0.2)) manifest.rollback_policy = rng.pick(['symbol', 'saga', 'none']);
  return manifest;
}

/** A value of a random JSON-ish type (for type swaps). */
function anyValue(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [2, () => rng.nastyString()],
    [2, () => rng.nastyNumber()],
    [1, () => rng.chance(0.5)],
    [1, () => null],
    [1, () => []],
    [1, () => [rng.word(), rng.nastyNumber()]],
    [1, () => ({})],
    [1, () => ({ [rng.word()]: rng.word() })],
  ])();
}

const DEEP = '__FUZZ_DEEP__';

interface Mutated {
  data: Data;
  notes: string[];
  /** Replaces the DEEP placeholder after serializing. */
  deep?: { depth: number; kind: 'array' | 'object' };
}

/** A symbol to mutate: a mapping (an earlier mutation may have left strings or numbers there). */
function symbolAt(rng: Rng, m: Data): Data | undefined {
  if (!Array.isArray(m.symbols) || m.symbols.length === 0) return undefined;
  const s: unknown = m.symbols[rng.int(0, m.symbols.length - 1)];
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? (s as Data) : undefined;
}

/** One structural mutation of a manifest's data, described in `notes`. */
function mutateData(rng: Rng, out: Mutated): void {
  const m = out.data;
  const s = symbolAt(rng, m);
  const note = (text: string) => out.notes.push(text);
  const kind = rng.weighted<string>([
    [3, 'typeSwap'],
    [3, 'number'],
    [3, 'string'],
    [2, 'unknownKey'],
    [2, 'deep'],
    [2, 'duplicate'],
    [2, 'unknownDep'],
    [2, 'cycle'],
    [1, 'selfDep'],
    [1, 'depOnRollback'],
    [1, 'rollbackFields'],
    [1, 'operation'],
    [1, 'dropField'],
    [1, 'proto'],
    [1, 'dispatch'],
    [1, 'delayMs'],
  ]);
  if (!s) {
    m.symbols = anyValue(rng);
    note(`symbols = ${JSON.stringify(m.symbols)?.slice(0, 40)}`);
    return;
  }
  const fields = ['name', 'type', 'context', 'dispatch', 'priority', 'timeout', 'retries', 'dependencies', 'parameters', 'rollback'];
  switch (kind) {
    case 'typeSwap': {
      if (rng.chance(0.25)) {
        const key = rng.pick(['name', 'version', 'description', 'metadata', 'rollback_policy', 'symbols']);
        m[key] = anyValue(rng);
        note(`top ${key} type-swapped`);
      } else {
        const key = rng.pick(fields);
        s[key] = anyValue(rng);
        note(`symbol ${key} type-swapped`);
      }
      return;
    }
    case 'number': {
      const key = rng.pick(['priority', 'timeout', 'retries']);
      s[key] = rng.nastyNumber();
      note(`${key} = ${s[key]}`);
      return;
    }
    case 'delayMs': {
      s.parameters = { operation: 'delay', ms: rng.nastyNumber() };
      note(`delay ms = ${s.parameters.ms}`);
      return;
    }
    case 'string': {
      const target = rng.pick(['name', 'type', 'dep', 'param', 'metadata', 'key', 'workflow']);
      const value = rng.nastyString();
      if (target === 'dep') s.dependencies = [...(Array.isArray(s.dependencies) ? s.dependencies : []), value];
      else if (target === 'param') s.parameters = { ...(s.parameters ?? {}), message: value };
      else if (target === 'metadata') m.metadata = { [rng.word()]: value };
      else if (target === 'key') s.parameters = { ...(s.parameters ?? {}), [value]: 1 };
      else if (target === 'workflow') m.name = value;
      else s[target] = value;
      note(`${target} string (${value.length} chars)`);
      return;
    }
    case 'unknownKey': {
      const key = rng.pick(['dependecies', 'timout', 'nmae', 'prority', 'retry', 'param', rng.word(), 'x'.repeat(10_000)]);
      const where = rng.pick(['top', 'symbol', 'rollback']);
      if (where === 'top') m[key] = 1;
      else if (where === 'symbol') s[key] = 1;
      else s.rollback = { name: `rb-${rng.word()}`, type: 'action', [key]: 1 };
      note(`unknown key ${key.slice(0, 20)} in ${where}`);
      return;
    }
    case 'deep': {
      const depth = rng.pick([50, 255, 256, 257, 300, 1_000, 10_000, 100_000]);
      out.deep = { depth, kind: rng.pick(['array', 'object'] as const) };
      if (rng.chance(0.5)) s.parameters = { ...(s.parameters ?? {}), deep: DEEP };
      else m.metadata = { deep: DEEP };
      note(`${out.deep.kind} nesting ${depth} deep`);
      return;
    }
    case 'duplicate': {
      const other = symbolAt(rng, m)!;
      if (rng.chance(0.5)) other.name = s.name;
      else s.rollback = { name: other.name, type: 'action', parameters: { operation: 'noop' } };
      note('duplicate name');
      return;
    }
    case 'unknownDep': {
      const name = rng.pick(['nope', `${s.name}x`, String(s.name).slice(1), 'x'.repeat(rng.pick([200, 5_000, 100_000]))]);
      s.dependencies = [...(Array.isArray(s.dependencies) ? s.dependencies : []), name];
      note(`unknown dependency (${name.length} chars)`);
      return;
    }
    case 'cycle': {
      const all = m.symbols as Data[];
      for (let i = 0; i < all.length; i++) all[i].dependencies = [all[(i + 1) % all.length].name];
      note(`cycle through ${all.length} symbols`);
      return;
    }
    case 'selfDep':
      s.dependencies = [s.name, s.name];
      note('self dependency, twice');
      return;
    case 'depOnRollback': {
      s.rollback = { name: `rb-${rng.word()}`, type: 'action', parameters: { operation: 'noop' } };
      const other = symbolAt(rng, m)!;
      other.dependencies = [s.rollback.name];
      note('dependency on a rollback');
      return;
    }
    case 'rollbackFields':
      s.rollback = { name: `rb-${rng.word()}`, type: 'action', dependencies: ['x'], retries: 2, priority: 1, rollback: { name: 'y', type: 'action' } };
      note('rollback with symbol-only fields');
      return;
    case 'operation':
      s.parameters = { operation: rng.pick(['nop', 'ech0', 'delay', 'state.set', 'module', 'log', 42, null, 'x'.repeat(5_000)]), ms: rng.pick(['10', -1]) };
      note(`operation ${String(s.parameters.operation).slice(0, 20)} with bad params`);
      return;
    case 'dropField': {
      const key = rng.pick(['name', 'type', 'symbols']);
      if (key === 'symbols') delete m.symbols;
      else delete s[key];
      note(`without ${key}`);
      return;
    }
    case 'proto': {
      const where = rng.pick(['top', 'symbol', 'parameters', 'metadata']);
      const key = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
      const value = rng.pick([{ polluted: true }, 1, 'x']);
      if (where === 'top') m[key] = value;
      else if (where === 'symbol') s[key] = value;
      else if (where === 'parameters') s.parameters = { ...(s.parameters ?? {}), [key]: value };
      else m.metadata = { [key]: value };
      note(`key ${key} in ${where}`);
      return;
    }
    case 'dispatch':
      s.dispatch = rng.pick(DISPATCH);
      note(`dispatch ${s.dispatch}`);
      return;
  }
}

/** Nested flow text `depth` deep: `[[[...]]]` or `{a: {a: ...}}` (TOML: `{a = {a = ...}}`). */
export function deepFlow(format: ManifestFormat, depth: number, kind: 'array' | 'object'): string {
  if (kind === 'array') return '['.repeat(depth) + '1' + ']'.repeat(depth);
  const open = format === 'yaml' ? '{a: ' : '{a = ';
  return open.repeat(depth) + '1' + '}'.repeat(depth);
}

function serialize(format: ManifestFormat, data: Data): string {
  if (format === 'yaml') return yamlStringify(data, { lineWidth: 0 });
  try {
    return tomlStringify(data);
  } catch {
    // TOML cannot hold some shapes (a top-level list, null): fall back to YAML text in a .toml file.
    return yamlStringify(data, { lineWidth: 0 });
  }
}

/** YAML and TOML documents written by hand to hurt parsers and validators. */
function adversarial(rng: Rng, format: ManifestFormat): { label: string; text: string; heavy: boolean } {
  const head = 'name: adv\nsymbols:\n';
  const sym = (extra = '') => `  - name: a\n    type: action\n    parameters:\n      operation: echo\n${extra}`;
  if (format === 'yaml') {
    const which = rng.int(0, 16);
    switch (which) {
      case 0: {
        // Billion laughs.
        let text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
        for (let i = 1; i < 10; i++) text += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
        return { label: 'yaml billion laughs in the document', text: head + sym() + text.replace(/^/gm, '      '), heavy: false };
      }
      case 1:
        return { label: 'yaml self-referencing anchor in parameters', text: `${head}  - &s\n    name: a\n    type: action\n    parameters: &p\n      operation: echo\n      self: *p\n`, heavy: false };
      case 2:
        return { label: 'yaml self-referencing anchor in metadata', text: `name: adv\nmetadata: &m\n  me: *m\nsymbols:\n${sym()}`, heavy: false };
      case 3:
        return { label: 'yaml symbol list containing itself', text: `name: adv\nsymbols: &l\n${sym()}  - *l\n`, heavy: false };
      case 4:
        return { label: 'yaml 100k-deep flow arrays', text: `${head}${sym()}      deep: ${deepFlow('yaml', 100_000, 'array')}\n`, heavy: true };
      case 5:
        return { label: 'yaml 100k-deep flow mappings', text: `${head}${sym()}      deep: ${deepFlow('yaml', 100_000, 'object')}\n`, heavy: true };
      case 6: {
        const d = rng.pick([300, 3_000]);
        let text = '';
        for (let i = 0; i < d; i++) text += `${' '.repeat(6 + i)}k:\n`;
        return { label: `yaml ${d}-deep block mappings`, text: `${head}${sym()}${text}${' '.repeat(6 + d)}v\n`, heavy: true };
      }
      case 7:
        return { label: 'yaml many documents', text: `${head}${sym()}---\n${head}${sym()}---\nfoo\n`, heavy: false };
      case 8:
        return { label: 'yaml tags (!!set, !!binary, !!timestamp, custom)', text: `${head}${sym('      s: !!set {a, b}\n      b: !!binary aGVsbG8=\n      t: !!timestamp 2001-12-14\n      c: !custom x\n      f: !!float .nan\n')}`, heavy: false };
      case 9:
        return { label: 'yaml complex keys and merge keys', text: `name: adv\nbase: &b {type: action}\nsymbols:\n  - <<: *b\n    name: a\n    ? [x, y]\n    : z\n`, heavy: false };
      case 10:
        return { label: 'yaml anchors on every symbol reused as dependencies', text: `name: adv\nsymbols:\n  - &a {name: a, type: action, parameters: {operation: noop}}\n  - *a\n  - {name: b, type: action, dependencies: [*a], parameters: {operation: noop}}\n`, heavy: false };
      case 11: {
        const n = rng.pick([2_000, 5_000]);
        let text = 'name: many\nsymbols:\n';
        for (let i = 0; i < n; i++) text += `  - {name: s${i}, type: action, parameters: {operation: noop}, dependencies: [${i > 0 ? `s${i - 1}` : ''}]}\n`;
        return { label: `yaml ${n} symbols in a chain`, text, heavy: true };
      }
      case 12: {
        const n = rng.pick([1_000, 3_000]);
        let text = 'name: many\nsymbols:\n';
        for (let i = 0; i < n; i++) text += `  - {name: sym-${i}-abcdefgh, type: action, parameters: {operation: noop}, dependencies: [sym-${i}-abcdefgX]}\n`;
        return { label: `yaml ${n} symbols each with an unknown, near-miss dependency`, text, heavy: true };
      }
      case 13: {
        const n = rng.pick([1_000, 3_000]);
        let text = 'name: dup\nsymbols:\n';
        for (let i = 0; i < n; i++) text += `  - {name: same, type: action, parameters: {operation: noop}}\n`;
        return { label: `yaml ${n} symbols with one name`, text, heavy: true };
      }
      case 14: {
        const long = 'd'.repeat(100_000);
        return { label: 'yaml a 100k-char unknown dependency next to a 100k-char bad symbol name', text: `name: adv\nsymbols:\n  - {name: ${long}e, type: action, parameters: {operation: noop}}\n  - {name: b, type: action, parameters: {operation: noop}, dependencies: [${long}]}\n`, heavy: true };
      }
      case 15: {
        // A merge bomb: few aliases (under the yaml package's count), each copying a big anchor.
        const keys = rng.pick([2_000, 20_000]);
        let text = `name: merges\nx-base: &a\n${Array.from({ length: keys }, (_, i) => `  k${i}: ${i}\n`).join('')}symbols:\n`;
        for (let i = 0; i < 2_000; i++) text += `  - {name: s${i}, type: action, parameters: {<<: *a, operation: noop}}\n`;
        return { label: `yaml 2000 merges of a ${keys}-key anchor`, text, heavy: true };
      }
      default: {
        const n = rng.pick([500, 2_000]);
        let text = 'name: cyc\nsymbols:\n';
        for (let i = 0; i < n; i++) text += `  - {name: c${i}, type: action, parameters: {operation: noop}, dependencies: [c${(i + 1) % n}, c${(i + 7) % n}]}\n`;
        return { label: `yaml ${n} symbols in overlapping cycles`, text, heavy: true };
      }
    }
  }
  const thead = 'name = "adv"\n\n[[symbols]]\nname = "a"\ntype = "action"\n[symbols.parameters]\noperation = "echo"\n';
  const which = rng.int(0, 9);
  switch (which) {
    case 0:
      return { label: 'toml 100k-deep arrays', text: `${thead}deep = ${deepFlow('toml', 100_000, 'array')}\n`, heavy: true };
    case 1:
      return { label: 'toml 100k-deep inline tables', text: `${thead}deep = ${deepFlow('toml', 100_000, 'object')}\n`, heavy: true };
    case 2: {
      const d = rng.pick([300, 100_000]);
      return { label: `toml a ${d}-deep table header`, text: `${thead}[symbols.parameters.${Array(d).fill('a').join('.')}]\nx = 1\n`, heavy: true };
    }
    case 3: {
      const d = rng.pick([300, 100_000]);
      return { label: `toml a ${d}-deep dotted key`, text: `${thead}${Array(d).fill('k').join('.')} = 1\n`, heavy: true };
    }
    case 4:
      return { label: 'toml integers beyond 2^53 and special floats', text: `${thead}big = 9223372036854775807\nn = nan\ni = -inf\n`, heavy: false };
    case 5:
      return { label: 'toml dates and times in parameters', text: `${thead}d = 1979-05-27T07:32:00Z\nld = 1979-05-27\nlt = 07:32:00\n`, heavy: false };
    case 6:
      return { label: 'toml redefined tables and duplicate keys', text: `${thead}operation = "noop"\n[symbols.parameters]\nx = 1\n`, heavy: false };
    case 7: {
      const n = rng.pick([2_000, 5_000]);
      let text = 'name = "many"\n';
      for (let i = 0; i < n; i++) text += `[[symbols]]\nname = "s${i}"\ntype = "action"\ndependencies = [${i > 0 ? `"s${i - 1}"` : ''}]\nparameters = { operation = "noop" }\n`;
      return { label: `toml ${n} symbols in a chain`, text, heavy: true };
    }
    case 8: {
      const n = rng.pick([1_000, 3_000]);
      let text = 'name = "many"\n';
      for (let i = 0; i < n; i++) text += `[[symbols]]\nname = "sym-${i}-abcdefgh"\ntype = "action"\ndependencies = ["sym-${i}-abcdefgX"]\nparameters = { operation = "noop" }\n`;
      return { label: `toml ${n} symbols each with an unknown, near-miss dependency`, text, heavy: true };
    }
    default:
      return { label: 'toml timeout as a string, float, and 2^31', text: `name = "t"\n[[symbols]]\nname = "a"\ntype = "action"\ntimeout = ${rng.pick(['"5000"', '5000.5', '2147483648', '1e10', 'inf', 'nan', '-1', '0'])}\n[symbols.parameters]\noperation = "noop"\n`, heavy: false };
  }
}

/** Manifest case number `index` (its own generator). */
export function manifestCase(rng: Rng): ManifestCase {
  const format: ManifestFormat = rng.chance(0.55) ? 'yaml' : 'toml';
  const encoder = new TextEncoder();
  const mode = rng.weighted<string>([
    [2, 'valid'],
    [5, 'structural'],
    [4, 'textual'],
    [2, 'both'],
    [1.2, 'adversarial'],
  ]);
  if (mode === 'adversarial') {
    const a = adversarial(rng, format);
    const mutated = rng.chance(0.2) && !a.heavy ? mutateText(rng, encoder.encode(a.text)) : { bytes: encoder.encode(a.text), notes: [] };
    return { label: [a.label, ...mutated.notes].join('; '), format, bytes: mutated.bytes, heavy: a.heavy };
  }
  const out: Mutated = { data: validManifest(rng), notes: [] };
  if (mode === 'structural' || mode === 'both') for (let k = rng.int(1, 3); k > 0; k--) mutateData(rng, out);
  let text = serialize(format, out.data);
  if (out.deep) {
    const flow = deepFlow(format, out.deep.depth, out.deep.kind);
    text = text.replace(`"${DEEP}"`, flow).replace(DEEP, flow);
  }
  let bytes: Uint8Array = encoder.encode(text);
  const notes = [`${mode} ${format}`, ...out.notes];
  if (mode === 'textual' || mode === 'both') {
    const mutated = mutateText(rng, bytes);
    bytes = mutated.bytes;
    notes.push(...mutated.notes);
  }
  const heavy = bytes.length > 150_000 || (out.deep?.depth ?? 0) >= 10_000;
  return { label: notes.join('; '), format, bytes, heavy };
}
