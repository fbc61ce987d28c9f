import { describe, expect, test } from 'bun:test';
import { formatIssue } from '../../src/errors.ts';
import { loadManifestFile } from '../../src/manifest/index.ts';
import { fixturePath, issuesOf } from './helpers.ts';

// Both fixtures hold the same seven problems in YAML and in TOML.
const expected = [
  { symbol: 'fetch', field: 'dependancies', message: 'unknown field "dependancies"; did you mean "dependencies"?' },
  { symbol: 'fetch', field: 'timeout', message: 'must be greater than 0 (milliseconds); got the number 0' },
  { symbol: 'store', field: 'type', message: expect.stringContaining('did you mean "action"?') },
  { symbol: 'store', field: 'dependencies[1]', message: '"fetch" is listed more than once' },
  { symbol: 'store', field: 'dependencies[2]', message: 'unknown dependency "stroe"; did you mean "store"?' },
  { symbol: 'store', field: 'parameters.ms', message: 'is required (a number), for internal operation "delay"' },
  { symbol: 'fetch', field: 'name', message: expect.stringMatching(/^duplicate name "fetch": symbol #1 already has it, at line \d+$/) },
];

describe('every problem is reported at once, in reading order', () => {
  test('YAML', () => {
    const file = fixturePath('many-problems.yaml');
    const issues = issuesOf(() => loadManifestFile(file));
    expect(issues.at(-1)!.message).toEndWith('already has it, at line 3');
    expect(issues).toMatchObject(expected.map((issue) => ({ ...issue, file })));
    expect(issues.map((issue) => [issue.line, issue.column])).toEqual([
      [6, 5],
      [7, 14],
      [9, 11],
      [10, 27],
      [10, 34],
      [12, 7],
      [13, 11],
    ]);
  });

  test('TOML', () => {
    const file = fixturePath('many-problems.toml');
    const issues = issuesOf(() => loadManifestFile(file));
    expect(issues.at(-1)!.message).toEndWith('already has it, at line 4');
    expect(issues).toMatchObject(expected.map((issue) => ({ ...issue, file })));
    expect(issues.map((issue) => [issue.line, issue.column])).toEqual([
      [7, 1],
      [8, 11],
      [12, 8],
      [13, 26],
      [13, 35],
      [15, 1],
      [19, 8],
    ]);
  });

  test('the error message lists every issue with its place', () => {
    const file = fixturePath('many-problems.yaml');
    try {
      loadManifestFile(file);
      throw new Error('expected a ManifestError');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('7 problems');
      expect(message).toContain(formatIssue({ file, line: 6, column: 5, ...expected[0] }));
    }
  });
});
