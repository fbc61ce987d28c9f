import { describe, expect, test } from 'bun:test';
import { issueAt, yamlIssues, yamlWithSymbols } from './helpers.ts';

// Symbols here use a non-internal dispatch unless the test is about internal operations,
// so that only the problem under test is reported.
describe('symbol fields', () => {
  test('name and type are required; the symbol is called #index and the mapping is located', () => {
    const issues = yamlIssues(yamlWithSymbols('  - dispatch: php_engine\n'));
    expect(issueAt(issues, 'name')).toMatchObject({ file: 'm.yaml', symbol: '#1', line: 3, column: 5 });
    expect(issueAt(issues, 'type').message).toContain('is required; one of: action, filter, state, query, transform');
  });

  test('a symbol that is not a mapping', () => {
    const issue = issueAt(yamlIssues(yamlWithSymbols('  - just-a-name\n')), undefined, '#1');
    expect(issue).toMatchObject({ line: 3, column: 5 });
    expect(issue.message).toContain('expected a mapping');
  });

  test('names must match the pattern and be at most 128 characters', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        `  - {name: "-dash-first", type: action, dispatch: php_engine}\n` +
          `  - {name: "has space", type: action, dispatch: php_engine}\n` +
          `  - {name: ${'a'.repeat(129)}, type: action, dispatch: php_engine}\n` +
          `  - {name: 42, type: action, dispatch: php_engine}\n`,
      ),
    );
    expect(issueAt(issues, 'name', '#1')).toMatchObject({ line: 3, column: 12 });
    expect(issueAt(issues, 'name', '#1').message).toContain('must start with an ASCII letter (A-Z, a-z) or a digit');
    expect(issueAt(issues, 'name', '#2').message).toContain('"has space"');
    expect(issueAt(issues, 'name', '#3').message).toContain('at most 128 characters');
    expect(issueAt(issues, 'name', '#4').message).toBe('expected a string, got the number 42 (put it in quotes to make it text)');
  });

  test('type, context and dispatch must be known values', () => {
    const issues = yamlIssues(yamlWithSymbols('  - name: s\n    type: acton\n    context: wordpres\n    dispatch: php\n'));
    expect(issueAt(issues, 'type', 's')).toMatchObject({ line: 4, column: 11 });
    expect(issueAt(issues, 'type', 's').message).toContain('did you mean "action"?');
    expect(issueAt(issues, 'context', 's').message).toContain('did you mean "wordpress"?');
    expect(issueAt(issues, 'dispatch', 's').message).toContain('rust_injector, php_engine, powershell_engine, internal');
  });

  test('timeout must be a positive whole number; retries a whole number >= 0; priority whole', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        '  - {name: a, type: action, dispatch: php_engine, timeout: 0, retries: -1, priority: 1.5}\n' +
          '  - {name: b, type: action, dispatch: php_engine, timeout: "30s", retries: 2.5, priority: -3}\n',
      ),
    );
    expect(issueAt(issues, 'timeout', 'a').message).toBe('must be greater than 0 (milliseconds); got the number 0');
    expect(issueAt(issues, 'retries', 'a').message).toBe('must be at least 0; got the number -1');
    expect(issueAt(issues, 'priority', 'a').message).toBe('expected a whole number, got the number 1.5');
    expect(issueAt(issues, 'timeout', 'b').message).toBe('expected a number, got the string "30s"');
    expect(issueAt(issues, 'retries', 'b').message).toBe('expected a whole number, got the number 2.5');
    expect(issues.filter((issue) => issue.field === 'priority' && issue.symbol === 'b')).toEqual([]);
  });

  test('parameters must be a mapping; dependencies a list of strings', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        '  - name: a\n    type: action\n    dispatch: php_engine\n    parameters: [1]\n    dependencies: b\n' +
          '  - name: b\n    type: action\n    dispatch: php_engine\n    dependencies: [a, 7]\n',
      ),
    );
    expect(issueAt(issues, 'parameters', 'a')).toMatchObject({ line: 6, column: 17 });
    expect(issueAt(issues, 'dependencies', 'a').message).toBe('expected a list, got the string "b"');
    expect(issueAt(issues, 'dependencies[1]', 'b')).toMatchObject({ line: 11, column: 23 });
  });

  test('an empty YAML value is reported as null', () => {
    const issue = issueAt(yamlIssues(yamlWithSymbols('  - name: a\n    type:\n')), 'type', 'a');
    expect(issue.message).toContain('got null');
    expect(issue).toMatchObject({ line: 4, column: 10 }); // the empty value just after the colon
  });

  test('unknown symbol fields point at the key and suggest the known one', () => {
    const issues = yamlIssues(
      yamlWithSymbols('  - name: a\n    type: action\n    dispatch: php_engine\n    dependancies: []\n    timout: 5\n'),
    );
    expect(issueAt(issues, 'dependancies', 'a')).toMatchObject({
      file: 'm.yaml',
      line: 6,
      column: 5,
      message: 'unknown field "dependancies"; did you mean "dependencies"?',
    });
    expect(issueAt(issues, 'timout', 'a').message).toContain('did you mean "timeout"?');
  });

  test('a rollback has the rollback fields only', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        '  - name: a\n    type: action\n    dispatch: php_engine\n    rollback:\n' +
          '      name: undo-a\n      dispatch: php_engine\n      retries: 2\n      dependencies: [a]\n      colour: red\n',
      ),
    );
    expect(issueAt(issues, 'rollback.type', 'a')).toMatchObject({ line: 7, column: 7, message: expect.stringContaining('is required') });
    expect(issueAt(issues, 'rollback.retries', 'a')).toMatchObject({ line: 9, column: 7 });
    expect(issueAt(issues, 'rollback.retries', 'a').message).toContain('not allowed in a rollback');
    expect(issueAt(issues, 'rollback.dependencies', 'a').message).toContain('not allowed in a rollback');
    expect(issueAt(issues, 'rollback.colour', 'a').message).toContain('unknown field "colour"');
  });

  test('the rollback is validated like a symbol', () => {
    const issues = yamlIssues(
      yamlWithSymbols('  - name: a\n    type: action\n    dispatch: php_engine\n    rollback: {name: "bad name", type: action, timeout: -1, dispatch: php_engine}\n'),
    );
    expect(issueAt(issues, 'rollback.name', 'a').message).toContain('must start with an ASCII letter (A-Z, a-z) or a digit');
    expect(issueAt(issues, 'rollback.timeout', 'a')).toMatchObject({ line: 6, column: 57 });
  });
});
