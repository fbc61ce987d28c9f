import { afterEach, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT } from '../cli/helpers.ts';

afterEach(removeTempDirs);

/** Manifests that used to validate and then crash the store, or crash `validate` itself. */
describe('swarm validate: what cannot be stored is bad input (exit 2), with its place, never a trace', () => {
  const cases: [name: string, file: string, text: string, where: RegExp][] = [
    [
      'a self-referencing alias',
      'alias.yaml',
      'name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: echo, message: &x [*x] }\n',
      /alias\.yaml:5:49: symbol "a", field "parameters\.message\[0\]": a value that contains itself/,
    ],
    [
      'TOML keys 100,000 levels deep',
      'deep.toml',
      `name = "t"\n[[symbols]]\nname = "a"\ntype = "action"\n[symbols.parameters]\noperation = "echo"\n${Array(100_000).fill('k').join('.')} = 1\n`,
      /deep\.toml:7:1: symbol "a", field "parameters\.k\.k[.k]*": values are nested deeper than 256 levels/,
    ],
    [
      'YAML 100,000 levels deep',
      'deep.yaml',
      `name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: echo, message: ${'['.repeat(100_000)}${']'.repeat(100_000)} }\n`,
      /deep\.yaml:5:\d+: YAML error: values are nested deeper than 256 levels/,
    ],
    [
      'a timeout beyond the longest timer',
      'timeout.yaml',
      'name: t\nsymbols:\n  - name: a\n    type: action\n    timeout: 2592000000\n    parameters: { operation: noop }\n',
      /timeout\.yaml:5:14: symbol "a", field "timeout": must be at most 2147483647 ms/,
    ],
  ];

  test.each(cases)('%s', async (_name, file, text, where) => {
    const { dir, config } = sandbox();
    const path = join(dir, file);
    writeFileSync(path, text);
    const result = await swarm(['validate', path], config);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(where);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
    const json = await swarmJson(['validate', path], config);
    expect(json.code).toBe(2);
    expect(json.json.valid).toBe(false);
  }, TIMEOUT);
});

describe('swarm validate: more problems than are listed', () => {
  test('--json: `issues` holds only problems (the first 500), `problems` counts them all; the text keeps its counting line', async () => {
    const { dir, config } = sandbox();
    const path = join(dir, 'many.yaml');
    const symbols = Array.from({ length: 600 }, (_, i) => `  - {name: s${i}, type: bogus, parameters: {operation: noop}}`).join('\n');
    writeFileSync(path, `name: many\nsymbols:\n${symbols}\n`);
    const json = await swarmJson(['validate', path], config);
    expect(json.code).toBe(2);
    expect(json.json.problems).toBe(600);
    expect(json.json.issues).toHaveLength(500);
    for (const issue of json.json.issues) expect(issue).toMatchObject({ line: expect.any(Number), field: 'type' });
    const text = await swarm(['validate', path], config);
    expect(text.stderr).toStartWith('Invalid manifest (600 problems)');
    expect(text.stderr.trimEnd()).toEndWith('and 100 more problems not listed (only the first 500 are); fix these and validate again');
  }, TIMEOUT);
});
