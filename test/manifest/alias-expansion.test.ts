import { describe, expect, test } from 'bun:test';
import { parseDocument } from 'yaml';
import { parseManifest } from '../../src/manifest/index.ts';
import { aliasExpansion, anchorsByName } from '../../src/manifest/yaml-checks.ts';
import { yamlIssues } from './helpers.ts';

const expansionOf = (source: string) => {
  const doc = parseDocument(source, { merge: true, uniqueKeys: false });
  return aliasExpansion(doc, anchorsByName(doc));
};

/** An anchor of `keys` keys under x-base, and `symbols` symbols that each take it with `use`. */
function sharing(keys: number, symbols: number, use: (i: number) => string[]): string {
  const lines = ['name: shared', 'x-base: &a', ...Array.from({ length: keys }, (_, i) => `  k${i}: ${i}`), 'symbols:'];
  for (let i = 0; i < symbols; i++) lines.push(`  - name: s${i}`, '    type: action', ...use(i));
  return `${lines.join('\n')}\n`;
}

describe('how much aliases copy out', () => {
  test('values as written and as expanded, an alias counting what its anchor holds', () => {
    // The mapping, its 2 keys, the list and its 2 items, and x: 7.
    const plain = expansionOf('a: [1, 2]\nb: x\n');
    expect(plain).toEqual({ written: 7, expanded: 7 });
    const shared = expansionOf('a: &l [1, 2]\nb: *l\nc: *l\n');
    // 1 map + 3 keys + the list (3) + two aliases written = 9; each alias stands for the list's 3.
    expect(shared).toMatchObject({ written: 9, expanded: 1 + 3 + 3 * 3, largest: { name: 'l', values: 3, offset: 16 } });
  });

  test('nested anchors expand in turn, and an alias inside its own anchor counts once', () => {
    const nested = expansionOf('a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n');
    // a: 3; b: 1 + 3 + 3 = 7; c: 1 + 7 + 7 = 15; the map 1 + 3 keys.
    expect(nested.expanded).toBe(1 + 3 + 3 + 7 + 15);
    expect(expansionOf('a: &a [1, *a]\n').expanded).toBe(1 + 1 + 3);
  });
});

describe('a manifest whose aliases copy out too much is refused before it is built', () => {
  test('a 2,000-key anchor (4,001 values) merged into 600 symbols: refused at the first merge, naming the anchor', () => {
    const source = sharing(2_000, 600, () => ['    parameters:', '      <<: *a', '      operation: noop']);
    const [issue] = yamlIssues(source);
    expect(issue).toMatchObject({ file: 'm.yaml', line: 2_000 + 7, column: 11 });
    expect(issue.message).toStartWith('YAML error: aliases (*name) and merge keys (<<: *name) copy their anchors out to 2,410,607 values, from 10,607 written');
    expect(issue.message).toContain('this one copies &a, 4,001 values each time');
  });

  test('a plain alias shared by many symbols counts the same', () => {
    const source = sharing(2_000, 600, () => ['    parameters: *a']);
    expect(yamlIssues(source)[0].message).toContain('this one copies &a');
  });

  test('sharing a few fields with <<: *defaults, as manifests do, is fine at any size', () => {
    const source = [
      'name: defaults',
      'x-defaults: &defaults',
      '  type: action',
      '  retries: 1',
      '  timeout: 1000',
      '  parameters: { operation: noop }',
      'symbols:',
      ...Array.from({ length: 3_000 }, (_, i) => `  - { <<: *defaults, name: s${i} }`),
      '',
    ].join('\n');
    const { manifest } = parseManifest(source, { format: 'yaml' });
    expect(manifest.symbols).toHaveLength(3_000);
    expect(manifest.symbols[2_999]).toMatchObject({ name: 's2999', type: 'action', retries: 1, timeout: 1000 });
  });

  test('more than 10,000 symbols may merge one anchor (the yaml package alone refused the 10,001st copy)', () => {
    const source = [
      'name: many',
      'x-defaults: &defaults',
      '  type: action',
      '  parameters: { operation: noop }',
      'symbols:',
      ...Array.from({ length: 12_000 }, (_, i) => `  - { <<: *defaults, name: s${i} }`),
      '',
    ].join('\n');
    const { manifest } = parseManifest(source, { format: 'yaml' });
    expect(manifest.symbols).toHaveLength(12_000);
    expect(manifest.symbols[11_999]).toMatchObject({ name: 's11999', type: 'action', parameters: { operation: 'noop' } });
  });

  test('a wide anchor merged by every symbol copies ~12 times what is written, and is accepted', () => {
    // 20,000 symbols × 5 values written; each merge copies the anchor's 63 values: 1.26M, over
    // the million floor, so only the factor lets it through.
    const wide = [
      'name: wide',
      'x-d: &d',
      '  type: action',
      '  parameters:',
      '    operation: noop',
      ...Array.from({ length: 30 }, (_, i) => `    f${i}: ${i}`),
      'symbols:',
      ...Array.from({ length: 20_000 }, (_, i) => `  - { <<: *d, name: s${i} }`),
      '',
    ].join('\n');
    const expansion = expansionOf(wide);
    expect(expansion.expanded).toBeGreaterThan(expansion.written + 1_000_000);
    expect(expansion.expanded / expansion.written).toBeGreaterThan(10);
    const { manifest } = parseManifest(wide, { format: 'yaml' });
    expect(manifest.symbols).toHaveLength(20_000);
    expect(manifest.symbols[0].parameters).toMatchObject({ operation: 'noop', f29: 29 });
  });

  test('a problem in a merged anchor is still placed in the tree as written', () => {
    const source = ['name: p', 'x-d: &d', '  type: action', '  retries: -1', '  parameters: { operation: noop }', 'symbols:', '  - { <<: *d, name: a }', '  - { <<: *d, name: b }', ''].join('\n');
    const issues = yamlIssues(source);
    expect(issues.map((issue) => [issue.line, issue.column, issue.message])).toEqual([[4, 12, 'must be at least 0; got the number -1 (the same for 1 more symbol: b)']]);
  });
});
