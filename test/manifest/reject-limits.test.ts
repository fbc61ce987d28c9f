import { describe, expect, test } from 'bun:test';
import { parseManifest } from '../../src/manifest/index.ts';
import { MAX_TIMER_MS } from '../../src/timer-limits.ts';
import { issueAt, yamlIssues, yamlWithSymbols } from './helpers.ts';

/** Durations of 2^31 ms or more used to validate and then fire after ~1 ms (timer overflow). */
describe('durations and counts beyond what the runtime can honour', () => {
  const symbol = (fields: string) => yamlWithSymbols(`  - name: a\n    type: action\n${fields}`);

  test(`timeout: ${MAX_TIMER_MS} ms is accepted, one more is refused naming the maximum`, () => {
    const fits = parseManifest(symbol(`    timeout: ${MAX_TIMER_MS}\n    parameters: { operation: noop }\n`), { format: 'yaml' });
    expect(fits.manifest.symbols[0].timeout).toBe(MAX_TIMER_MS);
    const issue = issueAt(yamlIssues(symbol(`    timeout: ${MAX_TIMER_MS + 1}\n    parameters: { operation: noop }\n`)), 'timeout', 'a');
    expect(issue).toMatchObject({ line: 5, column: 14 });
    expect(issue.message).toContain(`at most ${MAX_TIMER_MS} ms (about 24.8 days`);
  });

  test('a rollback\'s timeout too', () => {
    const issues = yamlIssues(symbol(`    parameters: { operation: noop }\n    rollback: { name: undo, type: action, timeout: 1e12, parameters: { operation: noop } }\n`));
    expect(issueAt(issues, 'rollback.timeout', 'a').message).toContain(`at most ${MAX_TIMER_MS}`);
  });

  test('the delay operation\'s ms', () => {
    expect(() => parseManifest(symbol(`    parameters: { operation: delay, ms: ${MAX_TIMER_MS} }\n`), { format: 'yaml' })).not.toThrow();
    const issue = issueAt(yamlIssues(symbol(`    parameters: { operation: delay, ms: ${2 ** 31} }\n`)), 'parameters.ms', 'a');
    expect(issue.message).toContain(`at most ${MAX_TIMER_MS} ms`);
    expect(issue.message).toContain('internal operation "delay"');
  });

  test('retries: at most 1000, with the reason', () => {
    expect(parseManifest(symbol('    retries: 1000\n    parameters: { operation: noop }\n'), { format: 'yaml' }).manifest.symbols[0].retries).toBe(1000);
    const issue = issueAt(yamlIssues(symbol('    retries: 2147483648\n    parameters: { operation: noop }\n')), 'retries', 'a');
    expect(issue.message).toContain('at most 1000');
    expect(issue.message).toContain('journaled');
  });
});

/** A 100,000-character name was printed whole in some messages (200 KB of output), cut short in others. */
describe('long names, keys and operations in messages', () => {
  const long = (c: string) => c.repeat(100_000);
  const shown = (c: string) => `${c.repeat(128)}…`;

  test('every message and field shows at most the first 128 characters, then …', () => {
    const [a, b, k, o, d] = ['a', 'b', 'k', 'o', 'd'].map(long);
    const source = [
      'name: t',
      `? ${k}`,
      ': 1',
      'symbols:',
      `  - {name: x, type: action, parameters: {operation: noop}, dependencies: [${a}, ${a}, ${b}]}`,
      `  - {name: y, type: action, parameters: {operation: noop}, rollback: {name: ${b}, type: action, parameters: {operation: ${o}}}, ${k}: 2}`,
      `  - {name: ${d}, type: action, parameters: {operation: noop}}`,
      `  - {name: ${d}, type: action, parameters: {operation: noop}}`,
      `x-dup: {${k}: 1, ${k}: 2}`,
      '',
    ].join('\n');
    const issues = yamlIssues(source);
    for (const issue of issues) {
      expect(issue.message.length).toBeLessThan(1_000);
      expect((issue.field ?? '').length).toBeLessThan(200);
    }
    const said = issues.map((issue) => issue.message).join('\n');
    for (const expected of [
      `unknown field "${shown('k')}"`,
      `unknown dependency "${shown('a')}"`,
      `"${shown('a')}" is listed more than once`,
      `"${shown('b')}" is a rollback`,
      `unknown internal operation "${shown('o')}"`,
      `duplicate name "${shown('d')}"`,
      `the key "${shown('k')}" is given twice`,
    ]) {
      expect(said).toContain(expected);
    }
    expect(issues.map((issue) => issue.field)).toContain(shown('k'));
  });

  test('a valid name, 128 characters long, is shown whole', () => {
    const name = 'n'.repeat(128);
    const issues = yamlIssues(yamlWithSymbols(`  - {name: x, type: action, parameters: {operation: noop}, dependencies: [${name}]}\n`));
    expect(issues[0].message).toBe(`unknown dependency "${name}"`);
  });
});
