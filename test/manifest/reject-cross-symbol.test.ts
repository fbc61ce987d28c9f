import { describe, expect, test } from 'bun:test';
import { loadManifestFile } from '../../src/manifest/index.ts';
import { fixturePath, issueAt, issuesOf, yamlIssues, yamlWithSymbols } from './helpers.ts';

const symbol = (name: string, dependencies: string[] = [], extra = '') =>
  `  - {name: ${name}, type: action, dispatch: php_engine, dependencies: [${dependencies.join(', ')}]${extra}}\n`;

describe('checks across symbols', () => {
  test('duplicate symbol names: the later one is reported', () => {
    const issues = yamlIssues(yamlWithSymbols(symbol('a') + symbol('b') + symbol('a')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ symbol: 'a', field: 'name', line: 5, column: 12 });
    // The first one is named, with its line.
    expect(issues[0].message).toBe('duplicate name "a": symbol #1 already has it, at line 3');
  });

  test('symbols and rollbacks share one namespace', () => {
    const issues = yamlIssues(
      yamlWithSymbols(
        symbol('a', [], ', rollback: {name: undo, type: action, dispatch: php_engine}') +
          symbol('undo') +
          symbol('c', [], ', rollback: {name: a, type: action, dispatch: php_engine}'),
      ),
    );
    expect(issueAt(issues, 'name', 'undo').message).toBe('duplicate name "undo": the rollback of symbol #1 already has it, at line 3');
    expect(issueAt(issues, 'rollback.name', 'c').message).toBe('duplicate name "a": symbol #1 already has it, at line 3');
  });

  test('unknown dependencies are named, with a close match suggested', () => {
    const issues = yamlIssues(yamlWithSymbols(symbol('initialize') + symbol('process', ['initialise', 'ghost'])));
    expect(issueAt(issues, 'dependencies[0]', 'process')).toMatchObject({
      line: 4,
      column: 72,
      message: 'unknown dependency "initialise"; did you mean "initialize"?',
    });
    expect(issueAt(issues, 'dependencies[1]', 'process').message).toBe('unknown dependency "ghost"');
  });

  test('depending on a rollback is an error', () => {
    const issues = yamlIssues(
      yamlWithSymbols(symbol('a', [], ', rollback: {name: undo-a, type: action, dispatch: php_engine}') + symbol('b', ['undo-a'])),
    );
    expect(issueAt(issues, 'dependencies[0]', 'b').message).toContain('is a rollback');
  });

  test('self-dependency and repeated dependencies', () => {
    const issues = yamlIssues(yamlWithSymbols(symbol('a') + symbol('b', ['a', 'b', 'a'])));
    expect(issueAt(issues, 'dependencies[1]', 'b').message).toBe('a symbol cannot depend on itself');
    expect(issueAt(issues, 'dependencies[2]', 'b').message).toBe('"a" is listed more than once');
    expect(issues).toHaveLength(2);
  });

  test('dependencies may name symbols declared later', () => {
    expect(() => loadManifestFile(fixturePath('valid.yaml'))).not.toThrow();
  });

  test('a cycle is reported once, with its full path, at the edge that starts it', () => {
    const issues = issuesOf(() => loadManifestFile(fixturePath('cycle.yaml')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      file: fixturePath('cycle.yaml'),
      symbol: 'a',
      field: 'dependencies[0]',
      line: 6,
      column: 20,
    });
    expect(issues[0].message).toContain('a -> b -> c -> a');
  });

  test('two separate cycles are both reported; a two-symbol cycle too', () => {
    const issues = yamlIssues(
      yamlWithSymbols(symbol('x', ['y']) + symbol('y', ['x']) + symbol('p', ['q']) + symbol('q', ['r']) + symbol('r', ['p'])),
    );
    expect(issues.map((issue) => issue.message)).toEqual([
      'dependency cycle: x -> y -> x (each symbol depends on the next)',
      'dependency cycle: p -> q -> r -> p (each symbol depends on the next)',
    ]);
  });

  test('the shortest way round is shown when a group of symbols has several cycles', () => {
    const issues = yamlIssues(yamlWithSymbols(symbol('a', ['b', 'c']) + symbol('b', ['c']) + symbol('c', ['a'])));
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toContain('a -> c -> a');
    expect(issues[0].field).toBe('dependencies[1]');
  });
});
