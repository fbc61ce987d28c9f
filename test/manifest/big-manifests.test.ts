import { describe, expect, test } from 'bun:test';
import type { ManifestIssue } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { readTomlDocument } from '../../src/manifest/toml-document.ts';
import { readYamlDocument } from '../../src/manifest/yaml-document.ts';
import { MAX_REPORTED_ISSUES } from '../../src/manifest/limits.ts';
import { bigManifest, PROBLEMS_PER_BLOCK } from './big-manifest.ts';
import { manifestErrorOf, tomlIssues, yamlIssues } from './helpers.ts';

/** The error of reading `source` as file "m.yaml" or "m.toml": its first issues, and `problems` counting them all. */
function errorOf(source: string, format: 'yaml' | 'toml') {
  return manifestErrorOf(() => parseManifest(source, { format, file: `m.${format}` }));
}

/** Every kind of problem the generator writes appears among the listed issues. */
function expectEveryKind(issues: ManifestIssue[]): void {
  const has = (pattern: RegExp) => expect(issues.some((issue) => pattern.test(issue.message))).toBe(true);
  has(/^unknown dependency "nope-0"$/);
  has(/^dependency cycle: s1 -> s2 -> s1/);
  has(/^unknown field "dependancies"; did you mean "dependencies"\?/);
  has(/^expected a number, got the string "soon"/);
  has(/^unknown internal operation "nop"; did you mean "noop"\?/);
  has(/^unknown dependency "s5x"; did you mean "s5\d?"\?/); // "s5" or "s50": one edit each
  has(/^duplicate name "s7"/);
}

// Validation was quadratic (minutes for 50,000 symbols); these finish in seconds. No timing is
// asserted here: bench/ and the hardening report hold the figures.
describe('big manifests: every problem found, the first ones listed', () => {
  test('50,000 symbols in TOML: 35,000 problems, 500 listed with place and kind, the rest counted', () => {
    const error = errorOf(bigManifest(50_000, 'toml'), 'toml');
    const issues = error.issues;
    // Only problems are listed; the header, and the message's last line, count the rest.
    expect(issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(error.problems).toBe(5_000 * PROBLEMS_PER_BLOCK);
    expect(error.message).toEndWith(`and ${5_000 * PROBLEMS_PER_BLOCK - MAX_REPORTED_ISSUES} more problems not listed (only the first 500 are); fix these and validate again`);
    expect(error.message).toStartWith(`Invalid manifest (${5_000 * PROBLEMS_PER_BLOCK} problems)`);
    expectEveryKind(issues);
    for (const issue of issues) expect(issue).toMatchObject({ file: 'm.toml', line: expect.any(Number), symbol: expect.any(String) });
    // In reading order: the first problems are those of the first symbols.
    expect(issues[0]).toMatchObject({ symbol: 's0', field: 'dependencies[0]' });
  }, 60_000);

  test('10,000 symbols in YAML: 7,000 problems', () => {
    const { issues, problems } = errorOf(bigManifest(10_000, 'yaml'), 'yaml');
    expect(problems).toBe(1_000 * PROBLEMS_PER_BLOCK);
    expectEveryKind(issues);
    expect(issues[0]).toMatchObject({ file: 'm.yaml', line: 6, column: 20, symbol: 's0', field: 'dependencies[0]' });
  }, 60_000);

  test('a small manifest lists every problem, with no count line', () => {
    const error = errorOf(bigManifest(20, 'yaml'), 'yaml');
    expect(error.issues).toHaveLength(2 * PROBLEMS_PER_BLOCK);
    expect(error.problems).toBe(2 * PROBLEMS_PER_BLOCK);
    expect(error.message).not.toContain('not listed');
  });

  test('100,000 keys in one mapping: unknown fields and duplicate keys are each found, the first 500 listed', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `    k${i}: 1`).join('\n');
    const { issues: unknown, problems: unknownCount } = errorOf(`name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: noop }\n${keys}\n`, 'yaml');
    expect(unknown[0]).toMatchObject({ line: 6, column: 5, symbol: 'a', field: 'k0' });
    expect(unknown[0].message).toStartWith('unknown field "k0"');
    expect(unknownCount).toBe(100_000);

    const repeated = Array.from({ length: 100_000 }, () => '    k: 1').join('\n');
    const { issues: duplicates, problems: duplicateCount } = errorOf(`name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: noop }\n${repeated}\n`, 'yaml');
    // Each use after the first is a repeat; the value kept, the last, is also an unknown field
    // (placed there, past the listed ones: counted).
    expect(duplicates[0]).toMatchObject({ line: 7, column: 5 });
    expect(duplicates[0].message).toContain('the key "k" is given twice in one mapping (first at line 6)');
    expect(duplicateCount).toBe(99_999 + 1);
  }, 60_000);

  test('100,000 parameter keys are valid, in YAML and TOML', () => {
    const yamlKeys = Array.from({ length: 100_000 }, (_, i) => `      k${i}: ${i}`).join('\n');
    expect(yamlIssuesOrNone(`name: t\nsymbols:\n  - name: a\n    type: action\n    parameters:\n      operation: noop\n${yamlKeys}\n`)).toEqual([]);
    const tomlKeys = Array.from({ length: 100_000 }, (_, i) => `k${i} = ${i}`).join('\n');
    expect(tomlIssuesOrNone(`name = "t"\n[[symbols]]\nname = "a"\ntype = "action"\n[symbols.parameters]\noperation = "noop"\n${tomlKeys}\n`)).toEqual([]);
  }, 60_000);
});

function yamlIssuesOrNone(source: string): ManifestIssue[] {
  try {
    return yamlIssues(source);
  } catch {
    return []; // accepted
  }
}

function tomlIssuesOrNone(source: string): ManifestIssue[] {
  try {
    return tomlIssues(source);
  } catch {
    return [];
  }
}

describe('one long cycle', () => {
  test('50,000 symbols in one cycle: one issue, its path shortened in the middle', () => {
    const symbols = Array.from(
      { length: 50_000 },
      (_, i) => `[[symbols]]\nname = "s${i}"\ntype = "action"\nparameters = { operation = "noop" }\ndependencies = ["s${(i + 1) % 50_000}"]`,
    );
    const issues = tomlIssues(`name = "t"\n${symbols.join('\n')}\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ symbol: 's0', field: 'dependencies[0]' });
    expect(issues[0].message).toStartWith('dependency cycle: s0 -> s1 -> ');
    expect(issues[0].message).toContain('… 49977 more … -> ');
    expect(issues[0].message).toContain('s49999 -> s0 (each symbol depends on the next)');
  }, 60_000);
});

describe('a big manifest read from text: its symbols consumed as they are parsed, where that is safe', () => {
  const count = 60_000;
  const tomlSymbols = (last: string) =>
    Array.from({ length: count }, (_, i) => `[[symbols]]\nname = "s${i}"\ntype = "${i === count - 1 ? last : 'action'}"\n[symbols.parameters]\noperation = "noop"${i === 0 ? '\n"__proto__" = 1' : ''}\n`).join('');

  test('YAML readers let the parse consume the data; the TOML reader, whose locator reads it later, does not', () => {
    expect(readYamlDocument('name: x\nsymbols:\n  - name: noop\n', 'm.yaml').consumable).toBe(true);
    expect(readYamlDocument('name: x\nsymbols:\n  - &a {name: noop}\n', 'm.yaml').consumable).toBe(true);
    expect(readTomlDocument('name = "x"\n', 'm.toml').consumable).toBeFalsy();
  });

  test('a problem in the last of 60,000 TOML symbols keeps its place, with a key the schema drops in the first', () => {
    const issues = tomlIssues(`name = "big"\n${tomlSymbols('wrong')}`);
    // The key is refused now (it was dropped silently), and the other problem keeps its place.
    expect(issues).toMatchObject([
      { symbol: 's0', field: 'parameters.__proto__', line: 7, column: 1 },
      { symbol: `s${count - 1}`, field: 'type', line: expect.any(Number), column: 8 },
    ]);
  }, 60_000);
});

