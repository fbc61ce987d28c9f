import { describe, expect, test } from 'bun:test';
import { INTERNAL_OPERATIONS } from '../../src/internal-operations.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { issueAt, yamlIssues, yamlWithSymbols } from './helpers.ts';

describe('internal operations', () => {
  test('an unknown operation in parameters.operation lists the known ones', () => {
    const issues = yamlIssues(yamlWithSymbols('  - name: s\n    type: action\n    parameters:\n      operation: eccho\n'));
    const issue = issueAt(issues, 'parameters.operation', 's');
    expect(issue).toMatchObject({ line: 6, column: 18 });
    expect(issue.message).toContain('unknown internal operation "eccho"; did you mean "echo"?');
    for (const operation of INTERNAL_OPERATIONS) expect(issue.message).toContain(operation);
  });

  test('without parameters.operation the name is the operation', () => {
    const issues = yamlIssues(yamlWithSymbols('  - name: initialize\n    type: action\n'));
    const issue = issueAt(issues, 'name', 'initialize');
    expect(issue.message).toContain('no internal operation "initialize"');
    expect(issue.message).toContain('known operations: noop, echo');
    expect(() => parseManifest(yamlWithSymbols('  - {name: noop, type: action}\n'), {})).not.toThrow();
  });

  test('a rollback (or symbol) without a name still has its parameters.operation checked', () => {
    const issues = yamlIssues(yamlWithSymbols('  - {name: s, type: action, parameters: {operation: noop}, rollback: {type: action, parameters: {operation: bogusop}}}\n  - {type: action, parameters: {operation: bogusop2}}\n'));
    expect(issues.map((issue) => `${issue.symbol} ${issue.field}: ${issue.message.split(';')[0]}`)).toEqual([
      's rollback.name: is required (a string)',
      's rollback.parameters.operation: unknown internal operation "bogusop"',
      '#2 name: is required (a string)',
      '#2 parameters.operation: unknown internal operation "bogusop2"',
    ]);
  });

  test('state.set without a value: "is required", in words, not the library\'s ("nonoptional")', () => {
    const issues = yamlIssues(yamlWithSymbols('  - {name: s, type: action, parameters: {operation: state.set, key: k}}\n'));
    expect(issueAt(issues, 'parameters.value', 's').message).toBe('is required (any value, null included), for internal operation "state.set"');
    // `value:` written empty is null, a value.
    expect(() => parseManifest(yamlWithSymbols('  - {name: s, type: action, parameters: {operation: state.set, key: k, value: }}\n'), { format: 'yaml' })).not.toThrow();
  });

  test('non-internal symbols are not checked', () => {
    expect(() => parseManifest(yamlWithSymbols('  - {name: anything, type: action, dispatch: rust_injector}\n'), {})).not.toThrow();
  });

  test('parameters are checked against the operation (delay without ms)', () => {
    const issues = yamlIssues(yamlWithSymbols('  - name: wait\n    type: action\n    parameters:\n      operation: delay\n'));
    expect(issues).toHaveLength(1);
    // A missing key is located at the enclosing mapping: the parameters.
    expect(issues[0]).toMatchObject({ symbol: 'wait', field: 'parameters.ms', line: 6, column: 7 });
    expect(issues[0].message).toBe('is required (a number), for internal operation "delay"');
  });

  test('each bad argument is reported with its path', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        '  - {name: delay, type: action, parameters: {ms: -1}}\n' +
          '  - {name: log, type: action, parameters: {message: 5, level: loud}}\n' +
          '  - {name: set, type: state, parameters: {operation: state.set, key: ""}}\n' +
          '  - {name: odd, type: action, parameters: {operation: 12}}\n',
      ),
    );
    expect(issueAt(issues, 'parameters.ms', 'delay').message).toBe('must be at least 0; got the number -1, for internal operation "delay"');
    expect(issueAt(issues, 'parameters.message', 'log').message).toContain('expected a string, got the number 5');
    expect(issueAt(issues, 'parameters.level', 'log').message).toContain('error, warn, info, debug, verbose');
    expect(issueAt(issues, 'parameters.key', 'set').message).toContain('must not be empty');
    expect(issueAt(issues, 'parameters.operation', 'odd').message).toBe('must be a string naming an internal operation');
  });

  test('rollbacks with internal dispatch are checked too', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        '  - name: a\n    type: action\n    dispatch: php_engine\n    rollback:\n      name: undo\n      type: action\n      parameters: {operation: fail, times: 0}\n',
      ),
    );
    expect(issueAt(issues, 'rollback.parameters.times', 'a').message).toContain('must be greater than 0');
    const unknown = yamlIssues(yamlWithSymbols('  - name: a\n    type: action\n    dispatch: php_engine\n    rollback: {name: undo, type: action}\n'));
    expect(issueAt(unknown, 'rollback.name', 'a').message).toContain('no internal operation "undo"');
  });
});
