import { describe, expect, test } from 'bun:test';
import { parseManifest } from '../../src/manifest/index.ts';
import { readJsonYaml } from '../../src/manifest/yaml-json.ts';
import { readPlainYaml } from '../../src/manifest/yaml-plain.ts';
import { yamlIssues } from './helpers.ts';

/** The JSON reader; test/fuzz/yaml-json-fuzz.test.ts compares it with the full YAML reader at random. */

const manifest = {
  name: 'json-made',
  symbols: [
    { name: 'a', type: 'action', parameters: { operation: 'echo', message: 'é/"x"', n: 1e3 } },
    { name: 'b', type: 'action', dependencies: ['a'], priority: -5, parameters: { operation: 'noop' } },
  ],
};

describe('a manifest written as JSON', () => {
  test('pretty and compact JSON.stringify output is read by the JSON reader (the block reader declines it)', () => {
    for (const text of [JSON.stringify(manifest, null, 2), JSON.stringify(manifest), `${JSON.stringify(manifest, null, 4).replaceAll('\n', '\r\n')}\r\n`]) {
      expect(readPlainYaml(text)).toBeUndefined();
      expect(readJsonYaml(text)).toEqual(manifest);
      expect(parseManifest(text, { format: 'yaml' }).manifest.symbols.map((s) => s.name)).toEqual(['a', 'b']);
    }
  });

  test('problems are placed at their line and column', () => {
    const text = JSON.stringify({ ...manifest, symbols: [manifest.symbols[0], { ...manifest.symbols[1], retries: -1, dependencies: ['ghost'] }] }, null, 2);
    const issues = yamlIssues(text);
    const lines = text.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [lineOf('"ghost"'), 'dependencies[0]'],
      [lineOf('"retries"'), 'retries'],
    ]);
    expect(issues[1].column).toBe(lines[lineOf('"retries"') - 1].indexOf('-1') + 1);
  });

  test('what the JSON reader declines still reads, by the full reader: a key given twice is reported there', () => {
    const text = '{\n  "name": "twice",\n  "name": "again",\n  "symbols": [{"name": "a", "type": "action", "parameters": {"operation": "noop"}}]\n}\n';
    expect(readJsonYaml(text)).toBeUndefined();
    const [issue] = yamlIssues(text);
    expect(issue).toMatchObject({ line: 3 });
    expect(issue.message).toContain('the key "name" is given twice');
  });

  test('a one-line JSON manifest of 50,000 symbols is read in one pass over its text', () => {
    const big = { name: 'wide', symbols: Array.from({ length: 50_000 }, (_, i) => ({ name: `s${i}`, type: 'action', parameters: { operation: 'noop' } })) };
    const data = readJsonYaml(JSON.stringify(big));
    expect((data?.symbols as unknown[]).length).toBe(50_000);
  });
});
