/** A manifest's values are plain JSON data, the same on every node that runs them. */
import { describe, expect, test } from 'bun:test';
import { ManifestError } from '../../src/errors.ts';
import { jsonProblem } from '../../src/json-limits.ts';
import { parseManifest } from '../../src/manifest/index.ts';

function issuesOf(source: string, format: 'yaml' | 'toml') {
  try {
    parseManifest(source, { format, file: 'm' });
  } catch (error) {
    if (error instanceof ManifestError) return error.issues;
    throw error;
  }
  return [];
}

describe('plain data only', () => {
  test('YAML !!set, !!omap, !!binary and !!timestamp values are refused with their field', () => {
    for (const [tag, value] of [
      ['!!set', '{x, y}'],
      ['!!omap', '[{a: 1}]'],
      ['!!binary', 'aGVsbG8='],
      ['!!timestamp', '2001-12-14'],
    ]) {
      const issues = issuesOf(`name: t\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, v: ${tag} ${value}}}\n`, 'yaml');
      expect({ tag, issues: issues.map((i) => [i.symbol, i.field, i.message.slice(0, 32)]) }).toEqual({
        tag,
        issues: [['a', 'parameters.v', 'a value that is not plain data (']],
      });
    }
  });

  test('where a string or a number is expected, such a value is named for what it is, as is NaN', () => {
    const messages = (yaml: string) => issuesOf(yaml, 'yaml').map((i) => `${i.field}: ${i.message}`);
    expect(messages('name: !!binary aGVsbG8=\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n')).toContain('name: expected a string, got binary data (!!binary)');
    expect(messages('name: !!set {x}\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n')).toContain('name: expected a string, got a set (!!set)');
    expect(messages('name: t\nsymbols:\n  - {name: a, type: action, priority: .nan, parameters: {operation: noop}}\n')).toEqual([
      'priority: expected a number, got NaN, which is not a finite number',
    ]);
  });

  test('an untagged YAML date stays text; TOML date-times become their TOML text', () => {
    const yaml = parseManifest('name: t\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, d: 2001-12-14}}\n', { format: 'yaml' });
    expect(yaml.manifest.symbols[0].parameters.d).toBe('2001-12-14');
    const toml = parseManifest(
      'name = "t"\n[[symbols]]\nname = "a"\ntype = "action"\n[symbols.parameters]\noperation = "echo"\nat = 1979-05-27T07:32:00Z\nday = 1979-05-27\nclock = 07:32:00\n',
      { format: 'toml' },
    );
    expect(toml.manifest.symbols[0].parameters).toEqual({ operation: 'echo', at: '1979-05-27T07:32:00.000Z', day: '1979-05-27', clock: '07:32:00.000' });
  });

  test('jsonProblem with plainData: class instances are refused, plain objects and null-prototype objects pass', () => {
    expect(jsonProblem({ a: new Set([1]) }, 256, { plainData: true })).toMatchObject({ reason: 'not-plain', path: '$.a' });
    expect(jsonProblem({ a: new Set([1]) })).toBeNull(); // JSON itself writes {}: only plainData refuses it
    expect(jsonProblem({ a: Object.create(null), b: [1, { c: 2 }] }, 256, { plainData: true })).toBeNull();
  });
});

describe('text of the other format', () => {
  test('TOML in a .yaml file: one hint first, then only a few of the YAML errors', () => {
    const toml = 'name = "t"\n[[symbols]]\nname = "a"\ntype = "action"\n';
    let issues: { message: string; file?: string }[] = [];
    try {
      parseManifest(toml, { format: 'yaml', file: 'flow.yaml' });
    } catch (error) {
      issues = (error as ManifestError).issues;
    }
    expect(issues[0]).toMatchObject({ file: 'flow.yaml' });
    expect(issues[0].message).toContain('this reads like TOML, not YAML');
    expect(issues.length).toBeLessThanOrEqual(5);
  });

  test('YAML in a .toml file gets the same hint', () => {
    expect(() => parseManifest('name: t\nsymbols:\n  - {name: a, type: action}\n', { format: 'toml', file: 'flow.toml' })).toThrow(/this reads like YAML, not TOML/);
  });
});
