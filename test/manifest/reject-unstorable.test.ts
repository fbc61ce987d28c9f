import { describe, expect, test } from 'bun:test';
import { MAX_JSON_DEPTH } from '../../src/json-limits.ts';
import { parseManifest, validateManifestData } from '../../src/manifest/index.ts';
import { issuesOf, tomlIssues, yamlIssues } from './helpers.ts';

/**
 * A manifest that validates is stored as JSON with its run. Whatever JSON cannot hold, or
 * would overflow the stack on the way, is a manifest problem with its place, never a crash
 * later (a RangeError in the store, a cyclic structure in JSON.stringify).
 */

const yamlSymbol = (parameters: string) => `name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: ${parameters}\n`;
const tomlSymbol = (rest: string) => `name = "t"\n[[symbols]]\nname = "a"\ntype = "action"\n${rest}`;

/** `levels` nested flow sequences, `[[[…]]]`. */
const brackets = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('self-referencing YAML aliases', () => {
  test('in parameters: the alias is named with its place, symbol and field', () => {
    const [issue] = yamlIssues(yamlSymbol('{ operation: echo, message: &x [*x] }'));
    expect(issue).toMatchObject({ file: 'm.yaml', line: 5, column: 49, symbol: 'a', field: 'parameters.message[0]' });
    expect(issue.message).toContain('contains itself');
  });

  test('a recursive anchor in metadata, and in a rollback\'s parameters', () => {
    const inMetadata = yamlIssues('name: t\nmetadata: &m { owner: x, again: *m }\nsymbols:\n  - { name: a, type: action, parameters: { operation: noop } }\n');
    expect(inMetadata).toMatchObject([{ line: 2, column: 33, field: 'metadata.again' }]);
    const inRollback = yamlIssues(
      'name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: noop }\n    rollback:\n      name: undo\n      type: action\n      parameters: &p { operation: echo, message: [*p] }\n',
    );
    expect(inRollback).toMatchObject([{ line: 9, symbol: 'a', field: 'rollback.parameters.message[0]' }]);
  });

  test('a self-referencing anchor aliased by 3,000 symbols is refused as such (copying it per alias walked the tree per copy: minutes)', () => {
    const symbols = Array.from({ length: 3_000 }, (_, i) => `  - { name: s${i}, type: action, parameters: *d }`).join('\n');
    const issues = yamlIssues(`name: t\nx-d: &d { operation: echo, more: [*d] }\nsymbols:\n${symbols}\n`);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].message).toContain('contains itself');
  });

  test('shared (not self-referencing) aliases are fine', () => {
    const loaded = parseManifest('name: t\nx: &v [1, 2]\nsymbols:\n  - { name: a, type: action, parameters: { operation: echo, a: *v, b: *v } }\n'.replace('x: &v [1, 2]\n', 'metadata: { v: &v [1, 2] }\n'), { format: 'yaml' });
    expect(loaded.manifest.symbols[0].parameters).toEqual({ operation: 'echo', a: [1, 2], b: [1, 2] });
  });

  test('an alias bomb ("billion laughs") is refused without expanding it', () => {
    const levels = Array.from({ length: 9 }, (_, i) => `  l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
    const source = `name: t\nmetadata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${levels.join('\n')}\nsymbols:\n  - { name: a, type: action, parameters: { operation: noop } }\n`;
    const [issue] = yamlIssues(source);
    expect(issue.message).toContain('alias bomb');
  });
});

describe('nesting deeper than the limit', () => {
  test(`YAML: ${MAX_JSON_DEPTH} levels in all pass and JSON.stringify takes them; one more is refused with symbol and field`, () => {
    // The top mapping, symbols, the symbol and parameters are 4 levels; message adds the rest.
    const fits = parseManifest(yamlSymbol(`{ operation: echo, message: ${brackets(MAX_JSON_DEPTH - 4)} }`), { format: 'yaml' });
    expect(() => JSON.stringify(fits.manifest)).not.toThrow();
    const [issue] = yamlIssues(yamlSymbol(`{ operation: echo, message: ${brackets(MAX_JSON_DEPTH - 3)} }`));
    expect(issue).toMatchObject({ line: 5, symbol: 'a', field: expect.stringMatching(/^parameters\.message\[0\]\[0\]/) });
    expect(issue.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
  });

  test('YAML 100,000 levels deep, in flow or block style: a clear issue with line and column, no stack overflow', () => {
    const flow = yamlIssues(yamlSymbol(`{ operation: echo, message: ${brackets(100_000)} }`));
    expect(flow).toMatchObject([{ file: 'm.yaml', line: 5, column: expect.any(Number), message: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH} levels`) }]);
    const block = Array.from({ length: 5_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(yamlIssues(`name: t\nmetadata:\n${block.replace(/^/gm, ' ')} 1\nsymbols: []\n`)[0].message).toContain('deeper than');
    const maps = `{ operation: echo, message: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)} }`;
    expect(yamlIssues(yamlSymbol(maps))[0].message).toContain('deeper than');
  });

  test('TOML dotted keys and table headers 100,000 levels deep', () => {
    const keys = Array(100_000).fill('a').join('.');
    const [dotted] = tomlIssues(tomlSymbol(`[symbols.parameters]\noperation = "echo"\n${keys} = 1\n`));
    expect(dotted).toMatchObject({ line: 7, column: 1, symbol: 'a', field: expect.stringMatching(/^parameters.a.a.a/) });
    expect(dotted.message).toContain('deeper than');
    const headers = tomlIssues(tomlSymbol(`parameters = { operation = "echo" }\n[symbols.metadata.${keys}]\nx = 1\n`));
    expect(headers.some((issue) => issue.line === 6 && issue.message.includes('deeper than'))).toBe(true);
  });

  test('TOML arrays and inline tables 100,000 levels deep', () => {
    for (const value of [brackets(100_000), `${'{ a = '.repeat(100_000)}1${' }'.repeat(100_000)}`]) {
      const [issue] = tomlIssues(tomlSymbol(`[symbols.parameters]\noperation = "echo"\nmessage = ${value}\n`));
      expect(issue).toMatchObject({ file: 'm.toml', line: 7, message: expect.stringContaining('deeper than') });
    }
    const [justOver] = tomlIssues(tomlSymbol(`[symbols.parameters]\noperation = "echo"\nmessage = ${brackets(MAX_JSON_DEPTH)}\n`));
    expect(justOver).toMatchObject({ line: 7, column: 23, symbol: 'a', field: expect.stringMatching(/^parameters\.message\[0\]/) });
  });
});

describe('values JSON cannot hold', () => {
  test('NaN and infinities, in YAML and TOML', () => {
    expect(yamlIssues(yamlSymbol('{ operation: echo, message: .nan }'))).toMatchObject([
      { line: 5, symbol: 'a', field: 'parameters.message', message: expect.stringContaining('not a finite number') },
    ]);
    expect(tomlIssues(tomlSymbol('parameters = { operation = "echo", message = -inf }\n'))).toMatchObject([
      { symbol: 'a', field: 'parameters.message', message: expect.stringContaining('not a finite number') },
    ]);
  });

  test('every such value is reported, not only the last one walked (YAML .nan, .inf, -.inf, !!binary, !!set, !!omap; TOML nan, inf)', () => {
    const yaml = yamlIssues(
      'name: t\nsymbols:\n' +
        '  - {name: x, type: action, parameters: {operation: echo, a: .nan}}\n' +
        '  - {name: y, type: action, parameters: {operation: echo, b: .inf}}\n' +
        '  - {name: z, type: action, parameters: {operation: echo, c: -.inf, d: !!binary aGk=, e: !!binary aGk=, f: !!set {p}, g: !!omap [{q: 1}]}}\n',
    );
    expect(yaml.map((issue) => `${issue.line}:${issue.symbol}:${issue.field}`)).toEqual([
      '3:x:parameters.a',
      '4:y:parameters.b',
      '5:z:parameters.c',
      '5:z:parameters.d',
      '5:z:parameters.e',
      '5:z:parameters.f',
      '5:z:parameters.g',
    ]);
    const toml = tomlIssues(tomlSymbol('parameters = { operation = "echo", a = nan, b = inf }\n'));
    expect(toml.map((issue) => issue.field)).toEqual(['parameters.a', 'parameters.b']);
  });

  test('data built in code: a BigInt, a cycle', () => {
    const base = { name: 't', symbols: [{ name: 'a', type: 'action', parameters: { operation: 'noop' } }] };
    expect(issuesOf(() => validateManifestData({ ...base, metadata: { size: 10n } }))).toMatchObject([{ field: 'metadata.size', message: expect.stringContaining('BigInt') }]);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(issuesOf(() => validateManifestData({ ...base, metadata: loop }))).toMatchObject([{ field: 'metadata.self', message: expect.stringContaining('contains itself') }]);
  });
});

describe('a lone UTF-16 surrogate (half of a character, which UTF-8 and so the frames to backends cannot hold)', () => {
  test('YAML "\\uD83D" in a parameter, and in a key, is refused at its line and column, with symbol and field', () => {
    const issues = yamlIssues('name: surrogate\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, message: "\\uD83D"}}\n  - name: b\n    type: action\n    parameters: {operation: echo, "k\\uDE00": 1}\n');
    expect(issues).toMatchObject([
      { file: 'm.yaml', line: 3, column: 68, symbol: 'a', field: 'parameters.message' },
      { file: 'm.yaml', line: 6, symbol: 'b', field: 'parameters.k\\ude00' },
    ]);
    for (const issue of issues) {
      expect(issue.message).toContain('lone UTF-16 surrogate');
      expect(issue.message.isWellFormed()).toBe(true);
    }
    // A whole character written as its two halves is fine.
    expect(parseManifest('name: t\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, message: "\\uD83D\\uDE00"}}\n', { format: 'yaml' }).manifest.symbols[0].parameters.message).toBe('\u{1f600}');
  });

  test('the same in a manifest written as JSON, in the block YAML reader, and in data built in code', () => {
    const json = JSON.stringify({ name: 't', symbols: [{ name: 'a', type: 'action', parameters: { operation: 'echo', message: '\ud83d' } }] });
    expect(yamlIssues(json)).toMatchObject([{ line: 1, symbol: 'a', field: 'parameters.message', message: expect.stringContaining('lone UTF-16 surrogate') }]);
    expect(yamlIssues('name: t\nmetadata:\n  owner: "x\\udfff"\nsymbols:\n  - name: noop\n    type: action\n')).toMatchObject([{ line: 3, column: 10, field: 'metadata.owner' }]);
    const inCode = issuesOf(() => validateManifestData({ name: '\ud800', symbols: [{ name: 'a', type: 'action', parameters: { operation: 'noop' } }] }));
    expect(inCode).toMatchObject([{ field: 'name', message: expect.stringContaining('lone UTF-16 surrogate') }]);
  });
});

describe('an integer too large to be kept exactly (beyond ±(2^53 − 1)), refused as TOML refuses it', () => {
  test('in every YAML reader (flow, block, JSON, the full reader) at its line and column; the largest exact one passes', () => {
    const big = '123456789012345678901234567890';
    const flow = yamlIssues(`name: t\nsymbols:\n  - {name: echo, type: action, parameters: {n: ${big}}}\n`);
    expect(flow).toMatchObject([{ file: 'm.yaml', line: 3, column: 48, message: expect.stringContaining(`the integer ${big} cannot be kept exactly`) }]);
    const block = yamlIssues(`name: t\nsymbols:\n  - name: echo\n    type: action\n    parameters:\n      n: -9007199254740993\n`);
    expect(block).toMatchObject([{ line: 6, column: 10, message: expect.stringContaining('write it as a string') }]);
    const json = yamlIssues(`{"name": "t", "symbols": [{"name": "echo", "type": "action", "parameters": {"n": 0x20000000000000}}]}`.replace('0x20000000000000', '9007199254740993'));
    expect(json).toMatchObject([{ line: 1, column: 82 }]);
    const full = yamlIssues(`name: t\nx-a: &a 1\nsymbols:\n  - {name: echo, type: action, parameters: {n: 0x20000000000001, m: *a}}\n`);
    expect(full).toMatchObject([{ line: 4, column: 48, message: expect.stringContaining('the integer 0x20000000000001 cannot be kept exactly') }]);
    const fits = parseManifest('name: t\nsymbols:\n  - {name: echo, type: action, parameters: {n: 9007199254740991, f: 1.5e300, s: "123456789012345678901234567890"}}\n', { format: 'yaml' });
    expect(fits.manifest.symbols[0].parameters).toEqual({ n: 9007199254740991, f: 1.5e300, s: '123456789012345678901234567890' });
  });
});

describe('a key named __proto__ (JavaScript takes it for the prototype: it was dropped on the way to the backend)', () => {
  test('is refused at its key in flow and block YAML, JSON and TOML, anywhere in the manifest', () => {
    const refused = (issues: ReturnType<typeof yamlIssues>) => issues.filter((issue) => issue.message.includes('__proto__'));
    expect(refused(yamlIssues('name: t\nsymbols:\n  - {name: echo, type: action, parameters: {mode: stdin, __proto__: {x: 1}, keep: 2}}\n'))).toMatchObject([
      { line: 3, column: 58, symbol: 'echo', field: 'parameters.__proto__' },
    ]);
    expect(refused(yamlIssues('name: t\nmetadata:\n  __proto__: 1\nsymbols:\n  - name: echo\n    type: action\n'))).toMatchObject([{ line: 3, column: 3, field: 'metadata.__proto__' }]);
    const json = '{"name": "t", "symbols": [{"name": "echo", "type": "action", "parameters": {"a": [{"__proto__": null}]}}]}';
    expect(refused(yamlIssues(json))).toMatchObject([{ line: 1, symbol: 'echo', field: 'parameters.a[0].__proto__' }]);
    expect(refused(tomlIssues('name = "t"\n[[symbols]]\nname = "echo"\ntype = "action"\n[symbols.parameters]\nmode = "stdin"\n__proto__ = { x = 1 }\n'))).toMatchObject([
      { line: 7, column: 1, symbol: 'echo', field: 'parameters.__proto__', message: expect.stringContaining('rename it') },
    ]);
  });
});

