import { describe, expect, spyOn, test } from 'bun:test';
import { MAX_REPORTED_ISSUES } from '../../src/manifest/limits.ts';
import { loadManifestFile, parseManifest } from '../../src/manifest/index.ts';
import { fixturePath, issueAt, issuesOf, manifestErrorOf, tomlIssues, yamlIssues } from './helpers.ts';

describe('documents that are not manifests', () => {
  test('an empty file, or one with only comments', () => {
    for (const source of ['', '\n  \n', '# nothing here\n']) {
      const [issue] = yamlIssues(source);
      expect(issue.file).toBe('m.yaml');
      expect(issue.message).toContain('empty');
    }
    expect(tomlIssues('# nothing\n')[0].message).toContain('empty');
    expect(issuesOf(() => parseManifest('', {}))[0].message).toContain('empty');
  });

  test('a document that is not a mapping', () => {
    const [list] = yamlIssues('- name: a\n  type: action\n');
    expect(list).toMatchObject({ file: 'm.yaml', line: 1, column: 1 });
    expect(list.message).toContain('must be a mapping');
    expect(list.message).toContain('a list');
    expect(yamlIssues('just a string\n')[0].message).toContain('a single value (the string "just a string")');
    expect(yamlIssues('42\n')[0].message).toContain('a single value (the number 42)');
    // Not the whole of it: a 2 MB value was echoed back in full.
    const [long] = yamlIssues(`${'x'.repeat(2_000_000)}\n`);
    expect(long.message).toContain(`a single value (the string "${'x'.repeat(40)}…")`);
    expect(long.message.length).toBeLessThan(300);
  });

  test('YAML syntax errors carry their position', () => {
    const issues = yamlIssues('name: x\nsymbols:\n  - name: a\n   type: [action\n');
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.file).toBe('m.yaml');
      expect(issue.line).toBeGreaterThanOrEqual(3);
      expect(issue.message).toStartWith('YAML syntax error: ');
    }
  });

  test('a key given twice in a YAML mapping is an error at the second, naming the first', () => {
    const [issue] = yamlIssues('name: x\nname: y\nsymbols: []\n');
    expect(issue).toMatchObject({ file: 'm.yaml', line: 2, column: 1 });
    expect(issue.message).toBe('YAML error: the key "name" is given twice in one mapping (first at line 1); keep one of them');
  });

  test('keys that are one key in the data are given twice: `1` and "1", `true` and "true", `~` and "", null and ~', () => {
    const issues = yamlIssues('name: x\nmetadata:\n  1: a\n  "1": b\n  flags: {true: 1, "true": 2, null: 3, ~: 4}\n  empty: {~: 1, "": 2, "null": 3}\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n');
    expect(issues.map(({ line, column, message }) => [line, column, message.replace(/ in one mapping.*/, '')])).toEqual([
      [4, 3, 'YAML error: the key "1" is given twice'],
      [5, 20, 'YAML error: the key "true" is given twice'],
      [5, 40, 'YAML error: the key "" is given twice'],
      [6, 17, 'YAML error: the key "" is given twice'],
    ]);
  });

  test('a key that is a collection (or other non-scalar) is an error at its place, anywhere, with no process warning', () => {
    const warnings = spyOn(process, 'emitWarning');
    try {
      const flow = yamlIssues('name: m\nsymbols:\n  - {name: x, type: action, parameters: {operation: echo, [1, 2]: x}}\n');
      const block = yamlIssues('name: m\n? [a, b]\n: 1\nx-l: &l [c]\nsymbols:\n  - name: x\n    type: action\n    parameters:\n      operation: echo\n      ? {k: 1}\n      : x\n      !!binary aGk=: y\n      *l : z\n');
      const stated = (issues: ReturnType<typeof yamlIssues>) => issues.map((i) => `${i.line}:${i.column} ${i.message}`);
      const must = 'YAML error: a key must be a single value (a string, a number, true, false or null); this key is';
      expect(stated(flow)).toEqual([`3:59 ${must} a list`]);
      expect(stated(block)).toEqual([`2:3 ${must} a list`, `10:9 ${must} a mapping`, `12:16 ${must} binary data (!!binary)`, `13:7 ${must} *l, an alias of a list`]);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  test('two merge keys in one mapping both merge, and a quoted "<<" is a key like any other', () => {
    const { manifest } = parseManifest('name: x\nx-a: &a {type: action}\nx-b: &b {retries: 2}\nsymbols:\n  - {<<: *a, <<: *b, name: a, parameters: {operation: noop, m: {"<<": 1, <<: {k: 2}}}}\n', { format: 'yaml' });
    expect(manifest.symbols[0]).toMatchObject({ type: 'action', retries: 2, parameters: { m: { '<<': 1, k: 2 } } });
  });

  test("a key given twice does not hide the manifest's other problems", () => {
    const source = ['name: x', 'symbols:', '  - name: noop', '    type: action', '    type: action', '  - name: b', '    type: wrong', '    dispatch: php_engine', ''].join('\n');
    const issues = yamlIssues(source);
    expect(issues.map(({ line, message }) => [line, message.slice(0, 40)])).toEqual([
      [5, 'YAML error: the key "type" is given twic'],
      [7, 'must be one of: action, filter, state, q'],
    ]);
  });

  test('problems in a key given twice are placed at the value kept, the last', () => {
    const issues = yamlIssues('name: x\nsymbols:\n  - name: noop\n    type: action\n    priority: 1\n    type: wrong\n');
    expect(issues.map(({ line, column, field }) => [line, column, field])).toEqual([
      [6, 5, undefined],
      [6, 11, 'type'],
    ]);
  });

  test('a document that is not a mapping lists its keys given twice in reading order, at most 500', () => {
    const error = manifestErrorOf(() => parseManifest(Array.from({ length: 600 }, () => '- {a: 1, a: 2}').join('\n'), { format: 'yaml', file: 'm.yaml' }));
    const issues = error.issues;
    expect(issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(issues[0]).toMatchObject({ line: 1, column: 1, message: expect.stringContaining('must be a mapping') });
    expect(issues[1]).toMatchObject({ line: 1, message: expect.stringContaining('"a" is given twice') });
    expect(error.problems).toBe(601);
    expect(error.message).toMatch(/\n {2}and 101 more problems not listed/);
  });

  test('beside a syntax error a key given twice is listed, and nothing is validated', () => {
    const issues = yamlIssues('name: x\nname: y\nsymbols: [\n');
    expect(issues.length).toBeGreaterThan(1);
    expect(issues.every((issue) => issue.message.startsWith('YAML syntax error: '))).toBe(true);
    expect(issues.some((issue) => issue.message.includes('"name" is given twice'))).toBe(true);
  });

  test('more than one YAML document is an error', () => {
    expect(yamlIssues('name: a\n---\nname: b\n')[0].message).toContain('multiple documents');
  });

  test('TOML syntax errors carry line and column', () => {
    const [issue] = tomlIssues('name = "x"\nversion = \n');
    expect(issue).toMatchObject({ file: 'm.toml', line: 2 });
    expect(issue.column).toBeNumber();
    expect(issue.message).toStartWith('TOML syntax error: ');
    expect(issue.message).not.toContain('\n');
  });

  test('a missing file is a ManifestError naming the file', () => {
    const [issue] = issuesOf(() => loadManifestFile('no/such/manifest.yaml'));
    expect(issue.file).toBe('no/such/manifest.yaml');
    expect(issue.message).toContain('no such file');
    // Where it was looked for: relative paths are read from the working directory.
    expect(issue.message).toEndWith(`(looked for ${process.cwd()}/no/such/manifest.yaml)`);
  });

  test('a directory is not a manifest file', () => {
    const [issue] = issuesOf(() => loadManifestFile(fixturePath('')));
    expect(issue.message).toContain('directory');
  });

  test('issues of a loaded file name the file as given', () => {
    const issues = issuesOf(() => loadManifestFile(fixturePath('many-problems.yaml')));
    for (const issue of issues) expect(issue.file).toBe(fixturePath('many-problems.yaml'));
  });
});

describe('top-level fields', () => {
  test('name and symbols are required; the enclosing mapping is located', () => {
    const issues = yamlIssues('version: "1"\n');
    expect(issueAt(issues, 'name')).toMatchObject({ line: 1, column: 1, message: 'is required (a string)' });
    expect(issueAt(issues, 'symbols').message).toBe('is required (a list)');
  });

  test('name must be a non-empty string; symbols a non-empty list', () => {
    const issues = yamlIssues('name: ""\nsymbols: []\n');
    expect(issueAt(issues, 'name')).toMatchObject({ line: 1, column: 7 });
    expect(issueAt(issues, 'name').message).toContain('must not be empty');
    expect(issueAt(issues, 'symbols')).toMatchObject({ line: 2, column: 10 });
    expect(issueAt(issues, 'symbols').message).toBe('must list at least one symbol');
  });

  test('a name of only white space is refused as an empty one is (YAML, TOML)', () => {
    const issue = issueAt(yamlIssues('name: "   "\nsymbols: [{name: noop, type: action}]\n'), 'name');
    expect(issue).toMatchObject({ line: 1, column: 7, message: expect.stringContaining('must not be blank') });
    expect(issueAt(tomlIssues('name = "\\t "\n[[symbols]]\nname = "noop"\ntype = "action"\n'), 'name').message).toContain('must not be blank');
  });

  test('an unquoted YAML version number gets a hint', () => {
    const issue = issueAt(yamlIssues('name: x\nversion: 1.0\nsymbols: [{name: noop, type: action}]\n'), 'version');
    expect(issue).toMatchObject({ line: 2, column: 10 });
    expect(issue.message).toContain('quotes');
  });

  test('rollback_policy must be one of the policies', () => {
    const issue = issueAt(
      yamlIssues('name: x\nrollback_policy: sagaa\nsymbols: [{name: noop, type: action}]\n'),
      'rollback_policy',
    );
    expect(issue.message).toContain('symbol, saga, none');
    expect(issue.message).toContain('did you mean "saga"?');
  });

  test('metadata must be a mapping', () => {
    const issue = issueAt(yamlIssues('name: x\nmetadata: [1]\nsymbols: [{name: noop, type: action}]\n'), 'metadata');
    expect(issue.message).toContain('expected a mapping');
  });

  test('unknown top-level fields are errors, with a hint when close to a known one', () => {
    const issues = yamlIssues('name: x\nsymbol: []\nflavour: mint\nsymbols: [{name: noop, type: action}]\n');
    expect(issueAt(issues, 'symbol')).toMatchObject({ line: 2, column: 1 });
    expect(issueAt(issues, 'symbol').message).toBe('unknown field "symbol"; did you mean "symbols"?');
    expect(issueAt(issues, 'flavour').message).toContain('known fields: name, version');
  });
});
