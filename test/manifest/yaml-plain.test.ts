import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { validateManifestData } from '../../src/manifest/index.ts';
import { readFullYamlDocument } from '../../src/manifest/yaml-document.ts';
import { plainYamlLocator, readPlainYaml } from '../../src/manifest/yaml-plain.ts';
import { fixturePath, issuesOf, yamlIssues } from './helpers.ts';

/** The plain YAML reader; test/fuzz/yaml-plain-fuzz.test.ts compares it with the full reader at random. */

const examples = new URL('../../examples/', import.meta.url);

describe('the plain YAML reader', () => {
  test('reads the forms manifests are written in, as the full reader does', () => {
    const text = [
      '--- # a leading marker and comments are fine',
      'name: forms',
      'version: "1.0"',
      'symbols:',
      '- name: a # a list at its key\'s indentation',
      '  parameters: {operation: echo, message: \'it\'\'s "here"\', n: 0x1F}',
      '  dependencies: [b, "c d"]',
      '-   name: b',
      '    priority: -5',
      '    timeout: 1.5e3',
      '    metadata:',
      '      flags:',
      '        - true',
      '        -',
      '        - ~',
      '      "quoted key": .inf',
      '',
      '  # an indented comment',
      'metadata: {}',
      '',
    ].join('\n');
    const data = readPlainYaml(text);
    expect(data).toEqual({
      name: 'forms',
      version: '1.0',
      symbols: [
        { name: 'a', parameters: { operation: 'echo', message: 'it\'s "here"', n: 31 }, dependencies: ['b', 'c d'] },
        { name: 'b', priority: -5, timeout: 1500, metadata: { flags: [true, null, null], 'quoted key': Infinity } },
      ],
      metadata: {},
    });
    expect(data).toEqual(readFullYamlDocument(text, undefined).data as Record<string, unknown>);
  });

  test('flow collections inside flow collections on one line, as generated manifests write symbols', () => {
    const text = 'name: flows\nsymbols:\n  - {name: a, type: action, parameters: {operation: echo, message: [x, {y: 1}]}}\n  - {name: b, dependencies: [a], parameters: {}}\n';
    const data = readPlainYaml(text);
    expect(data).toEqual({
      name: 'flows',
      symbols: [
        { name: 'a', type: 'action', parameters: { operation: 'echo', message: ['x', { y: 1 }] } },
        { name: 'b', dependencies: ['a'], parameters: {} },
      ],
    });
    expect(data).toEqual(readFullYamlDocument(text, undefined).data as Record<string, unknown>);
  });

  test('CRLF line ends', () => {
    const text = 'name: crlf\r\nsymbols:\r\n  - name: a\r\n    type:\r\n';
    expect(readPlainYaml(text)).toEqual({ name: 'crlf', symbols: [{ name: 'a', type: null }] });
    expect(plainYamlLocator(text)(['symbols', 0, 'type'], 'value')).toEqual(readFullYamlDocument(text, undefined).locate(['symbols', 0, 'type'], 'value'));
  });

  test('the example manifests without block scalars are read by it, to the full reader\'s data', () => {
    const names = readdirSync(examples).filter((name) => name.endsWith('.yaml'));
    let read = 0;
    for (const name of names) {
      const text = readFileSync(new URL(name, examples), 'utf8');
      const data = readPlainYaml(text);
      if (/: [|>]-?$/m.test(text)) {
        expect(data).toBeUndefined(); // `sql: >-`: the full reader's
        continue;
      }
      expect(data).toEqual(readFullYamlDocument(text, undefined).data as Record<string, unknown>);
      read++;
    }
    expect(read).toBeGreaterThanOrEqual(4);
  });

  test.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a plain scalar over two lines', 'a: one\n  two\n'],
    ['a tab', 'a:\tb\n'],
    ['a CR alone', 'a: b\rc: d\n'],
    ['a byte order mark', '\ufeffa: b\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a flow collection over two lines', 'a: [b,\n  c]\n'],
    ['a list in a list item', 'a:\n- - b\n'],
    ['an escape it does not decode', 'a: "\\x41"\n'],
    ['a key that is not a string', 'true: 1\n'],
    ['__proto__', '__proto__: 1\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a top-level list', '- a\n'],
    ['an empty document', '# nothing\n'],
    ['a value under a scalar', 'a: 1\n  b: 2\n'],
    ['uneven indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['a key longer than 1024 characters', `${'a'.repeat(1025)}: 1\n`],
    ['a quoted key whose colon is over 1024 characters on', `"${'a'.repeat(1023)}": 1\n`],
    ['a long key in a list item', `k:\n- ${'a'.repeat(1025)}: 1\n`],
  ])('leaves %s to the full reader', (_what, text) => {
    expect(readPlainYaml(text)).toBeUndefined();
  });

  test('a problem in a manifest it read is placed where the full reader places it', () => {
    const text = [
      'name: placed',
      'symbols:',
      '  - name: a',
      '    type: nope',
      '    parameters: { operation: noop }',
      '    timeout: -3',
      '    dependencies: [a, zz]',
      '  - name: b',
      '    priority:',
      '    bogus: 1',
      '',
    ].join('\n');
    expect(readPlainYaml(text)).toBeDefined();
    const plain = yamlIssues(text);
    const full = readFullYamlDocument(text, 'm.yaml');
    expect(plain).toEqual(issuesOf(() => validateManifestData(full.data, { file: 'm.yaml', locate: full.locate })));
    expect(plain.map((issue) => issue.line)).toEqual([4, 6, 7, 7, 8, 8, 9, 10]);
  });

  test('a long key is read up to where the full reader could count past 1024; longer ones are left to it', () => {
    expect(readPlainYaml(`${'a'.repeat(1022)}: 1\n`)).toEqual({ ['a'.repeat(1022)]: 1 });
    expect(readPlainYaml(`${'a'.repeat(1023)}: 1\n`)).toBeUndefined();
    // After an empty value the full reader counts from the end of that line: this key of 1,021
    // is "more than 1024 characters" there (the fuzzer found it, FUZZ_SEED=2).
    const afterEmpty = `top:\n    a:\n    ${'q'.repeat(1021)}: 1\n`;
    expect(readPlainYaml(afterEmpty)).toBeUndefined();
    expect(readFullYamlDocument(afterEmpty, 'm.yaml').syntaxIssues[0]?.message).toContain('at most 1024 chars');
  });

  test('many keys of one mapping are each placed at their own line', () => {
    const lines = ['name: wide', 'symbols:', '  - name: a', '    type: action'];
    for (let i = 0; i < 5_000; i++) lines.push(`k${i}: ${i}`);
    const text = `${lines.join('\n')}\n`;
    const locate = plainYamlLocator(text);
    const full = readFullYamlDocument(text, undefined);
    for (let i = 0; i < 5_000; i += 7) {
      expect(locate([`k${i}`], 'key')).toEqual({ line: i + 5, column: 1 });
      expect(locate([`k${i}`], 'value')).toEqual(full.locate([`k${i}`], 'value'));
    }
    // A key the mapping lacks is placed at the mapping, in a small mapping and a wide one.
    expect(locate(['missing'], 'value')).toEqual(full.locate(['missing'], 'value'));
    expect(locate(['symbols', 0, 'missing'], 'value')).toEqual(full.locate(['symbols', 0, 'missing'], 'value'));
    expect(locate(['symbols', 0, 'type'], 'key')).toEqual(full.locate(['symbols', 0, 'type'], 'key'));
  });

  test('every key of a mapping of 16 keys, and of 17 (where an index takes over from the search), block and flow', () => {
    for (const count of [15, 16, 17, 18]) {
      const keys = Array.from({ length: count }, (_, i) => `key${i}`);
      const block = ['name: keys', 'symbols:', '  - name: a', '    type: action', '    parameters:', ...keys.map((k, i) => `      ${k}: ${i}`)];
      const flow = ['name: keys', 'symbols:', '  - name: a', '    type: action', `    parameters: {${keys.map((k, i) => `${k}: ${i}`).join(', ')}}`];
      for (const lines of [block, flow]) {
        const text = `${lines.join('\n')}\n`;
        expect(readPlainYaml(text)).toBeDefined();
        const locate = plainYamlLocator(text);
        const full = readFullYamlDocument(text, undefined);
        for (const path of [...keys.map((k) => ['symbols', 0, 'parameters', k]), ['symbols', 0, 'parameters', 'missing']]) {
          expect(locate(path, 'key')).toEqual(full.locate(path, 'key'));
          expect(locate(path, 'value')).toEqual(full.locate(path, 'value'));
        }
      }
    }
  });

  test('places are found by a second pass only when asked for', () => {
    const text = readFileSync(fixturePath('valid.yaml'), 'utf8');
    expect(readPlainYaml(text)).toBeDefined();
    const locate = plainYamlLocator(text);
    const full = readFullYamlDocument(text, undefined);
    for (const path of [['name'], ['symbols', 0, 'name'], ['symbols', 1, 'rollback'], ['symbols', 9]] as const) {
      expect(locate(path, 'value')).toEqual(full.locate(path, 'value'));
      expect(locate(path, 'key')).toEqual(full.locate(path, 'key'));
    }
  });
});
