/**
 * How `swarm validate` quotes names it refuses: the rule says ASCII letters (café and 日本語 are
 * refused, and the message must not claim letters are allowed), and a name with an invisible
 * character (a zero-width space, a direction override) is shown with it escaped, `x\u200by`,
 * so it does not look like the valid name it resembles.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { workerNameProblem } from '../../src/protocol/messages.ts';
import { visibleJson, visibleText } from '../../src/visible-text.ts';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from '../cli/helpers.ts';

afterEach(removeTempDirs);

const ZWSP = '\u200b';
const RLO = '\u202e';

const MANIFEST = `name: names
symbols:
  - {name: café, type: action, parameters: {operation: noop}}
  - {name: 日本語, type: action, parameters: {operation: noop}}
  - {name: "x\\u200by", type: action, parameters: {operation: noop}}
  - {name: b, type: action, dependencies: ["a\\u202e"], parameters: {operation: noop}}
  - {name: c, type: action, parameters: {operation: noop, "k\\u200b": 1, "k\\u200b": 2}}
`;

describe('names in validation messages', () => {
  test('the rule says ASCII letters; invisible characters are shown escaped, in text and in --json', async () => {
    const { dir, config } = sandbox();
    const file = writeManifest(dir, 'names.yaml', MANIFEST);
    const text = await swarm(['validate', file], config);
    expect(text.code).toBe(2);
    const json = await swarmJson(['validate', file], config);
    const messages: string[] = json.json.issues.map((i: { message: string }) => i.message);
    const rule = 'must start with an ASCII letter (A-Z, a-z) or a digit and contain only ASCII letters, digits and _ . : -';
    expect(messages.filter((m) => m.startsWith(rule)).length).toBe(3);
    for (const shown of ['"café"', '"日本語"', '"x\\u200by"', 'unknown dependency "a\\u202e"', 'the key "k\\u200b" is given twice']) {
      expect(text.stderr + text.stdout).toContain(shown);
      expect(messages.some((m) => m.includes(shown))).toBe(true);
    }
    for (const output of [text.stdout, text.stderr, ...messages]) {
      expect(output).not.toContain(ZWSP);
      expect(output).not.toContain(RLO);
    }
  }, TIMEOUT);

  test('swarm history --symbol with an invisible character in the name says which, escaped', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'one.yaml', 'name: one\nsymbols:\n  - {name: xy, type: action, parameters: {operation: noop}}\n');
    const run = await swarmJson(['run', file, '--db', db], config);
    const history = await swarm(['history', run.json.runId, '--db', db, '--symbol', `x${ZWSP}y`], config);
    expect(history.code).toBe(2);
    expect(history.stderr).toContain('has no symbol "x\\u200by"');
    expect(history.stderr).not.toContain(ZWSP);
  }, TIMEOUT);

  test('the helpers: escapes only what prints as nothing or a blank; the JSON form is still the JSON of the name', () => {
    expect(visibleText(`x${ZWSP}y é 日本 a\tb\u00a0c\u{e0001}`)).toBe('x\\u200by é 日本 a\\u0009b\\u00a0c\\u{e0001}');
    expect(visibleJson(`x${ZWSP}"y`)).toBe('"x\\u200b\\"y"');
    expect(JSON.parse(visibleJson(`x${ZWSP}${RLO}y`))).toBe(`x${ZWSP}${RLO}y`);
    expect(workerNameProblem(`w${ZWSP}1`)).toBe('the worker name "w\\u200b1" is not allowed: use ASCII letters (A-Z, a-z), digits and _ . : - @, starting with a letter or digit, at most 128 characters');
  });
});
