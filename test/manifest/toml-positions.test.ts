import { describe, expect, test } from 'bun:test';
import { scanTomlPlaces } from '../../src/manifest/toml-scanner.ts';
import { issueAt, tomlIssues } from './helpers.ts';

describe('positions of TOML problems', () => {
  test('fields of [[symbols]] tables and their sub-tables', () => {
    const issues = tomlIssues(
      [
        'name = "t"', // 1
        '', // 2
        '[[symbols]]', // 3
        'name = "a"', // 4
        'type = "action"', // 5
        'dispatch = "php_engine"', // 6
        '', // 7
        '[[symbols]]', // 8
        'name = "b"', // 9
        '  timeout = "soon"', // 10
        '', // 11
        '[symbols.parameters]', // 12
        'operation = "delay"', // 13
        '', // 14
        '[symbols.rollback]', // 15
        'name = "undo-b"', // 16
        'type = "nope"', // 17
        '', // 18
        '[symbols.rollback.parameters]', // 19
        'operation = "log"', // 20
        '',
      ].join('\n'),
    );
    expect(issueAt(issues, 'type', 'b')).toMatchObject({ file: 'm.toml', line: 8, column: 1 }); // missing: the table
    expect(issueAt(issues, 'timeout', 'b')).toMatchObject({ line: 10, column: 13 });
    expect(issueAt(issues, 'parameters.ms', 'b')).toMatchObject({ line: 12, column: 1 });
    expect(issueAt(issues, 'rollback.type', 'b')).toMatchObject({ line: 17, column: 8 });
    expect(issueAt(issues, 'rollback.parameters.message', 'b')).toMatchObject({ line: 19, column: 1 });
  });

  test('inline tables, dotted keys, quoted keys and multi-line arrays', () => {
    const issues = tomlIssues(
      [
        'name = "t"', // 1
        '[[symbols]]', // 2
        '"name" = "a"', // 3
        'type = "action"', // 4
        'parameters.operation = "delay"', // 5
        'parameters.ms = "x"', // 6
        'rollback = { name = "r", type = "bad", dispatch = "php_engine" }', // 7
        'dependencies = [', // 8
        '  "a",  # comment with ] and "quote"', // 9
        '  "zz",', // 10
        ']', // 11
        '',
      ].join('\n'),
    );
    expect(issueAt(issues, 'parameters.ms', 'a')).toMatchObject({ line: 6, column: 17 });
    expect(issueAt(issues, 'rollback.type', 'a')).toMatchObject({ line: 7, column: 33 });
    expect(issueAt(issues, 'dependencies[0]', 'a')).toMatchObject({ line: 9, column: 3 });
    expect(issueAt(issues, 'dependencies[1]', 'a')).toMatchObject({ line: 10, column: 3 });
  });

  test('symbols written as an array of inline tables', () => {
    const issues = tomlIssues(
      ['name = "t"', 'symbols = [', '  { name = "a", type = "action", dispatch = "php_engine" },', '  { name = "b", type = "x", dispatch = "php_engine" },', ']', ''].join('\n'),
    );
    expect(issueAt(issues, 'type', 'b')).toMatchObject({ line: 4, column: 24 });
  });

  test('multi-line strings do not confuse table counting', () => {
    const issues = tomlIssues(
      [
        'name = "t"', // 1
        'description = """', // 2
        '[[symbols]]', // 3: text, not a table
        'name = "fake" \\""""', // 4: an escaped quote, then the closing quotes
        "version = '''", // 5
        '[[symbols]]', // 6: text again
        "'''", // 7
        '[[symbols]]', // 8
        'name = "real"', // 9
        'type = "bad"', // 10
        'dispatch = "php_engine"', // 11
        '',
      ].join('\n'),
    );
    expect(issueAt(issues, 'type', 'real')).toMatchObject({ line: 10, column: 8 });
  });

  test('top-level fields before the first table', () => {
    const issues = tomlIssues(['name = 5', 'rollbak_policy = "saga"', '[[symbols]]', 'name = "noop"', 'type = "action"', ''].join('\n'));
    expect(issueAt(issues, 'name')).toMatchObject({ line: 1, column: 8 });
    expect(issueAt(issues, 'rollbak_policy')).toMatchObject({ line: 2, column: 1 });
    expect(issueAt(issues, 'rollbak_policy').message).toContain('did you mean "rollback_policy"?');
  });

  test('a missing top-level key has no position rather than a wrong one', () => {
    const issues = tomlIssues(['version = "1"', '[[symbols]]', 'name = "noop"', 'type = "action"', ''].join('\n'));
    const issue = issueAt(issues, 'name');
    expect(issue.line).toBeUndefined();
    expect(issue.column).toBeUndefined();
  });

  test('the scanner records nested array-of-table entries and gives up on what it does not understand', () => {
    const places = scanTomlPlaces('[[a]]\nx = 1\n[[a.b]]\ny = 2\n[[a]]\n[[a.b]]\n[[a.b]]\nz = [1, [2, 3]]\n');
    // Tables a header goes through are placed at the header, unless placed before.
    expect([...places.keys()]).toEqual([
      '["a"]',
      '["a",0]',
      '["a",0,"x"]',
      '["a",0,"b"]',
      '["a",0,"b",0]',
      '["a",0,"b",0,"y"]',
      '["a",1]',
      '["a",1,"b"]',
      '["a",1,"b",0]',
      '["a",1,"b",1]',
      '["a",1,"b",1,"z"]',
      '["a",1,"b",1,"z",0]',
      '["a",1,"b",1,"z",1]',
      '["a",1,"b",1,"z",1,0]',
      '["a",1,"b",1,"z",1,1]',
    ]);
    expect(scanTomlPlaces('x = "unterminated\n').size).toBe(0);
  });
});
