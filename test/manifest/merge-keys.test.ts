import { describe, expect, test } from 'bun:test';
import { ManifestError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/index.ts';

const issuesOf = (source: string) => {
  try {
    parseManifest(source, { format: 'yaml', file: 'm.yaml' });
  } catch (err) {
    if (err instanceof ManifestError) return err.issues;
    throw err;
  }
  throw new Error('expected the manifest to be refused');
};

describe('YAML merge keys and fields of your own', () => {
  const shared = `name: merged
x-defaults: &defaults
  type: action
  retries: 1
  parameters: { operation: noop }
symbols:
  - <<: *defaults
    name: a
  - <<: *defaults
    name: b
    retries: 5
    dependencies: [a]
`;

  test('a symbol merges an anchor with <<, its own fields win, and the x- field is not kept', () => {
    const { manifest } = parseManifest(shared, { format: 'yaml' });
    expect(manifest.symbols.map((s) => [s.name, s.type, s.retries, s.parameters, s.dependencies])).toEqual([
      ['a', 'action', 1, { operation: 'noop' }, []],
      ['b', 'action', 5, { operation: 'noop' }, ['a']],
    ]);
    expect(Object.keys(manifest)).not.toContain('x-defaults');
    // Each symbol has parameters of its own: merging copies, it does not share.
    expect(manifest.symbols[0].parameters).not.toBe(manifest.symbols[1].parameters);
  });

  test('a list of anchors merges in order, the first one winning', () => {
    const { manifest } = parseManifest(
      `name: m\nx-a: &a { type: action, retries: 1 }\nx-b: &b { retries: 2, priority: 7 }\nsymbols:\n  - { <<: [*a, *b], name: s, parameters: { operation: noop } }\n`,
      { format: 'yaml' },
    );
    expect(manifest.symbols[0]).toMatchObject({ type: 'action', retries: 1, priority: 7 });
  });

  test('two thousand symbols may merge the same anchor', () => {
    const symbols = Array.from({ length: 2_000 }, (_, i) => `  - { <<: *defaults, name: s${i} }`).join('\n');
    const { manifest } = parseManifest(`name: many\nx-defaults: &defaults { type: action, parameters: { operation: noop } }\nsymbols:\n${symbols}\n`, { format: 'yaml' });
    expect(manifest.symbols).toHaveLength(2_000);
    expect(manifest.symbols[1_999]).toMatchObject({ name: 's1999', type: 'action' });
  });

  test('a top-level field of another name is still unknown, and the message says how to name one of your own', () => {
    const [issue] = issuesOf(shared.replace('x-defaults:', 'defaults:'));
    expect(issue).toMatchObject({ line: 2, field: 'defaults' });
    expect(issue.message).toContain('must be named x-…, as in x-defaults');
    // A near miss is named as it was meant.
    expect(issuesOf(shared.replace('x-defaults:', 'x_defaults:'))[0].message).toContain('as in x-defaults');
  });

  test("a problem in an anchor is reported once, where the anchor writes it, naming the symbols that merge it", () => {
    const issues = issuesOf(`name: m\nx-a: &a\n  type: action\n  parameters: { operation: noop }\n  retires: 3\nsymbols:\n  - <<: *a\n    name: a\n  - <<: *a\n    name: b\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 5, column: 3, symbol: 'a', field: 'retires' });
    expect(issues[0].message).toEndWith('(the same for 1 more symbol: b)');
  });

  test("600 symbols merging a bad anchor make one problem, and the others still show", () => {
    const symbols = Array.from({ length: 600 }, (_, i) => `  - { <<: *a, name: s${i}${i === 599 ? ', dependencies: [ghost]' : ''} }`).join('\n');
    const issues = issuesOf(`name: m\nx-a: &a { type: acton, parameters: { operation: noop } }\nsymbols:\n${symbols}\n`);
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [2, 'type'],
      [603, 'dependencies[0]'],
    ]);
    expect(issues[0].message).toContain('(the same for 599 more symbols: s1, s2, s3, …)');
  });

  test('an anchor inside !!omap or !!pairs is an anchor like any', () => {
    const { manifest } = parseManifest(
      `name: m\nx-o: !!omap\n  - k: &a { type: action, parameters: { operation: noop } }\nsymbols:\n  - { <<: *a, name: s }\n`,
      { format: 'yaml' },
    );
    expect(manifest.symbols[0]).toMatchObject({ name: 's', type: 'action' });
  });

  test('a redefined anchor: an alias stands for the last definition before it, in the data and in the places', () => {
    const issues = issuesOf(
      `name: m\nx-a: &a { type: action, parameters: { operation: noop } }\nx-b: &a { type: acton, parameters: { operation: noop } }\nsymbols:\n  - { <<: *a, name: s }\n`,
    );
    expect(issues).toMatchObject([{ line: 3, field: 'type', symbol: 's' }]);
  });

  test('a mapping that merges itself (directly, or from one nested in it) is refused at its line, not by a stack overflow', () => {
    const direct = issuesOf(`name: m\nx-a: &a\n  type: action\n  <<: *a\nsymbols:\n  - { <<: *a, name: s }\n`);
    expect(direct).toMatchObject([{ line: 4, column: 7, message: 'YAML syntax error: <<: *a is inside &a itself: a mapping cannot merge itself' }]);
    const nested = issuesOf(`name: m\nx-a: &a\n  inner: { <<: *a }\nsymbols:\n  - { name: s, type: action }\n`);
    expect(nested).toMatchObject([{ line: 3, message: expect.stringContaining('cannot merge itself') }]);
  });

  test('a merge source that is not a mapping is reported at its place, beside the other problems', () => {
    const merging = (merge: string, before = '') =>
      issuesOf(`name: m\n${before}symbols:\n  - name: c\n    type: action\n    <<: ${merge}\n    parameters: {operation: noop}\n  - {name: d, type: bogus, parameters: {operation: noop}}\n`);
    const stated = (issues: ReturnType<typeof issuesOf>) => issues.map((i) => `${i.line}:${i.column} ${i.field ?? ''} ${i.message}`);
    const takes = 'YAML error: a merge key (<<) takes a mapping, an alias of one (*name), or a list of them; this is';
    const typeOfD = '7:21 type must be one of: action, filter, state, query, transform; got the string "bogus"';
    expect(stated(merging('[*s]', 'x-s: &s hello\n'))).toEqual([`6:10  ${takes} *s, an alias of the string "hello"`, typeOfD.replace('7:', '8:')]);
    expect(stated(merging('5'))).toEqual([`5:9  ${takes} the number 5`, typeOfD]);
    expect(stated(merging('*l', 'x-l: &l [1, 2]\n'))).toEqual([`6:9  ${takes} *l, an alias of a list whose items are not all mappings`, typeOfD.replace('7:', '8:')]);
    expect(stated(merging(''))).toEqual([`5:5  ${takes} null (an empty value)`, typeOfD]);
    // In a list, only the bad source is reported (and left out); the others still merge.
    expect(stated(merging('[*t, 7]', 'x-t: &t {retries: 2}\n'))).toEqual([`6:14  ${takes} the number 7`, typeOfD.replace('7:', '8:')]);
  });

  test('an alias of a list of mappings merges them', () => {
    const { manifest } = parseManifest(`name: m\nx-l: &l [{type: action}, {retries: 2}]\nsymbols:\n  - {<<: *l, name: s, parameters: {operation: noop}}\n`, { format: 'yaml' });
    expect(manifest.symbols[0]).toMatchObject({ type: 'action', retries: 2 });
  });

  test('an alias with no anchor before it is reported at its line, in a merge or not', () => {
    const issues = issuesOf(
      `name: m\nsymbols:\n  - <<: *nosuch\n    name: a\n    type: action\n  - name: b\n    type: action\n    parameters: *later\nx-l: &later { operation: noop }\n`,
    );
    expect(issues.filter((i) => i.message.includes('alias')).map((i) => [i.line, i.column, i.message])).toEqual([
      [3, 9, 'YAML error: unknown alias *nosuch: no anchor &nosuch comes before it'],
      [8, 17, 'YAML error: unknown alias *later: no anchor &later comes before it'],
    ]);
  });

  test("an unknown alias is reported beside the file's other problems, its pair left out (it hid them all)", () => {
    const issues = issuesOf(
      'name: m\nsymbols:\n  - name: a\n    type: action\n    retries: nope\n    parameters: {operation: noop}\n' +
        '  - <<: *undefined\n    name: b\n    type: action\n    parameters: {operation: noop, more: [1, *gone]}\n  - {name: c, type: bogus, parameters: {operation: noop}}\n',
    );
    expect(issues.map((i) => `${i.line}:${i.column} ${i.symbol ?? ''} ${i.field ?? ''} ${i.message.slice(0, 40)}`)).toEqual([
      '5:14 a retries expected a number, got the string "nope"',
      '7:9   YAML error: unknown alias *undefined: no',
      '10:45   YAML error: unknown alias *gone: no anch',
      '11:21 c type must be one of: action, filter, state, q',
    ]);
    // An alias that is the whole document leaves nothing to check: it alone is reported.
    expect(issuesOf('*nothing\n').map((i) => i.message)).toEqual(['YAML syntax error: unknown alias *nothing: no anchor &nothing comes before it']);
  });

  test('what an x- field holds is not checked (it is not kept), and a symbol still is', () => {
    const issues = issuesOf(`name: m\nx-notes: { when: .nan }\nsymbols:\n  - { name: s, type: nope, parameters: { operation: noop } }\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ symbol: 's', field: 'type' });
  });
});
