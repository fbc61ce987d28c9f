import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { loadManifestFile, parseManifest, SYMBOL_DEFAULTS, validateManifestData } from '../../src/manifest/index.ts';
import { fixturePath, issuesOf } from './helpers.ts';

describe('valid manifests', () => {
  test('YAML: defaults are filled, forward dependencies and rollbacks are kept', () => {
    const loaded = loadManifestFile(fixturePath('valid.yaml'));
    expect(loaded.format).toBe('yaml');
    expect(loaded.source).toBe(readFileSync(fixturePath('valid.yaml'), 'utf8'));
    const { manifest } = loaded;
    expect(manifest.name).toBe('valid-yaml');
    expect(manifest.version).toBe('2.1');
    expect(manifest.description).toBeUndefined();
    expect(manifest.metadata).toEqual({});
    expect(manifest.rollback_policy).toBe('symbol');
    expect(manifest.symbols[0]).toEqual({
      name: 'first',
      type: 'action',
      context: SYMBOL_DEFAULTS.context,
      dispatch: SYMBOL_DEFAULTS.dispatch,
      parameters: { operation: 'echo', message: 'hi' },
      dependencies: ['later'],
      priority: SYMBOL_DEFAULTS.priority,
      timeout: SYMBOL_DEFAULTS.timeout,
      retries: SYMBOL_DEFAULTS.retries,
    });
    expect(manifest.symbols[1]).toEqual({
      name: 'later',
      type: 'query',
      context: 'database',
      dispatch: 'php_engine',
      parameters: { table: 'wp_posts' },
      dependencies: [],
      priority: -5,
      timeout: 1000,
      retries: 0,
      rollback: {
        name: 'undo-later',
        type: 'action',
        context: 'generic',
        dispatch: 'internal',
        parameters: { operation: 'log', message: 'undone' },
        timeout: 30_000,
      },
    });
  });

  test('TOML gives the same manifest as the equivalent YAML', () => {
    const fromToml = loadManifestFile(fixturePath('valid.toml'));
    const fromYaml = loadManifestFile(fixturePath('valid.yaml'));
    expect(fromToml.format).toBe('toml');
    expect(fromToml.manifest.rollback_policy).toBe('saga');
    expect(fromToml.manifest.metadata).toEqual({ team: 'core' });
    expect(fromToml.manifest.symbols).toEqual(fromYaml.manifest.symbols);
  });

  test('a missing timeout comes from the dispatch target: the backend\'s timeout, else 30000', () => {
    const parsed = parseManifest(
      [
        'name: x',
        'symbols:',
        '  - {name: php, type: action, dispatch: php_engine, rollback: {name: undo, type: action, dispatch: rust_injector}}',
        '  - {name: pinned, type: action, dispatch: php_engine, timeout: 5}',
        '  - {name: noop, type: action}',
        '',
      ].join('\n'),
      { defaults: { timeouts: { php_engine: 60_000, rust_injector: 45_000 } } },
    );
    const [php, pinned, noop] = parsed.manifest.symbols;
    expect(php.timeout).toBe(60_000);
    expect(php.rollback!.timeout).toBe(45_000);
    expect(pinned.timeout).toBe(5);
    expect(noop.timeout).toBe(30_000);
  });

  test('retries from the defaults apply only to symbols that do not set retries', () => {
    const { manifest } = loadManifestFile(fixturePath('valid.yaml'), { defaults: { retries: 7 } });
    expect(manifest.symbols.map((symbol) => symbol.retries)).toEqual([7, 0]);
    const parsed = parseManifest('name: x\nsymbols:\n  - {name: noop, type: action}\n', { defaults: { retries: 0 } });
    expect(parsed.manifest.symbols[0].retries).toBe(0);
  });

  test('defaults are fresh objects, never shared between manifests; an absent dependency list is one frozen []', () => {
    const source = 'name: x\nsymbols:\n  - {name: noop, type: action}\n';
    const first = parseManifest(source, {}).manifest;
    const second = parseManifest(source, {}).manifest;
    expect(first.metadata).not.toBe(second.metadata);
    expect(first.symbols[0].parameters).not.toBe(second.symbols[0].parameters);
    // Shared (a million-symbol fan-out would hold a million), so it must not be changeable.
    expect(first.symbols[0].dependencies).toEqual([]);
    expect(Object.isFrozen(first.symbols[0].dependencies)).toBe(true);
    expect(() => first.symbols[0].dependencies.push('other')).toThrow(TypeError);
    expect(second.symbols[0].dependencies).toEqual([]);
  });

  test('the format is sniffed when not given', () => {
    expect(parseManifest('# comment\nname = "t"\n[[symbols]]\nname = "noop"\ntype = "action"\n', {}).format).toBe('toml');
    // Starting with a table header: read as TOML, so the only problem is the missing name.
    const headerFirst = issuesOf(() => parseManifest('\n[[symbols]]\nname = "noop"\ntype = "action"\n', {}));
    expect(headerFirst.map((issue) => [issue.field, issue.message])).toEqual([['name', 'is required (a string)']]);
    expect(parseManifest('# comment\nname: t\nsymbols: [{name: noop, type: action}]\n', {}).format).toBe('yaml');
    expect(parseManifest('---\nname: t\nsymbols: [{name: noop, type: action}]\n', {}).format).toBe('yaml');
  });

  test('files without a known extension are sniffed; path is absolute', () => {
    const yaml = loadManifestFile(fixturePath('no-extension.manifest'));
    expect(yaml.format).toBe('yaml');
    expect(yaml.path).toBe(fixturePath('no-extension.manifest'));
    expect(loadManifestFile(fixturePath('toml-no-extension.manifest')).format).toBe('toml');
  });

  test('parseManifest does not invent a path', () => {
    const loaded = parseManifest('name: x\nsymbols: [{name: noop, type: action}]\n', { file: 'x.yaml' });
    expect(loaded.path).toBeUndefined();
  });

  test('symbol names may use letters, digits, _ . : - and be 128 characters long', () => {
    const long = 'a'.repeat(128);
    const source = `name: x\nsymbols:\n  - {name: "wp:posts.sync_2-b", type: action, dispatch: php_engine}\n  - {name: ${long}, type: action, dispatch: php_engine}\n`;
    expect(parseManifest(source, {}).manifest.symbols.map((symbol) => symbol.name)).toEqual(['wp:posts.sync_2-b', long]);
  });

  test('any value is kept in parameters and metadata', () => {
    const source = 'name: x\nmetadata: {nested: {list: [1, 2]}, flag: true}\nsymbols:\n  - name: echo\n    type: action\n    parameters: {message: {deep: [1, {x: null}]}}\n';
    const { manifest } = parseManifest(source, {});
    expect(manifest.metadata).toEqual({ nested: { list: [1, 2] }, flag: true });
    expect(manifest.symbols[0].parameters).toEqual({ message: { deep: [1, { x: null }] } });
  });
});

describe('validateManifestData (objects built in code)', () => {
  test('fills defaults and reports problems without positions', () => {
    const manifest = validateManifestData({ name: 'x', symbols: [{ name: 'noop', type: 'action' }] }, { defaults: { retries: 1 } });
    expect(manifest.symbols[0]).toMatchObject({ context: 'generic', dispatch: 'internal', retries: 1, dependencies: [] });
    const [issue] = issuesOf(() => validateManifestData({ name: 'x', symbols: [{ name: 'noop', type: 'nope' }] }));
    expect(issue).toEqual({ symbol: 'noop', field: 'type', message: expect.stringContaining('must be one of') });
  });
});
