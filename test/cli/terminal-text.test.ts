/**
 * Text the CLI did not write (a workflow's name, a module's error message, a bad manifest's
 * keys) reaches the terminal with its control characters made visible: an escape sequence in
 * it must not move the cursor, clear the screen or retitle the window.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { terminalText } from '../../src/terminal-text.ts';
import { removeTempDirs, sandbox, swarm, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

describe('terminalText', () => {
  test('shows controls as \\xNN escapes; keeps tabs, newlines, colours and other text', () => {
    expect(terminalText('a\x1b]0;TITLE\x07b')).toBe('a\\x1b]0;TITLE\\x07b');
    expect(terminalText('\x1b[2J\x1b[H\rover\bx\x7f\x9b31m')).toBe('\\x1b[2J\\x1b[H\\x0dover\\x08x\\x7f\\x9b31m');
    expect(terminalText('\x1b[31mred\x1b[39m and \x1b[1;32mbold\x1b[0m')).toBe('\x1b[31mred\x1b[39m and \x1b[1;32mbold\x1b[0m');
    expect(terminalText('tab\there\nnext ✓ ünïcode')).toBe('tab\there\nnext ✓ ünïcode');
  });

  test('keeps only the colours the CLI writes: text cannot hide itself (SGR 8, black) or restyle the rest', () => {
    expect(terminalText('ok\x1b[8m hidden')).toBe('ok\\x1b[8m hidden');
    expect(terminalText('\x1b[30mblack\x1b[7mreverse\x1b[41mon red')).toBe('\\x1b[30mblack\\x1b[7mreverse\\x1b[41mon red');
  });

  test('with colours off (not a terminal, NO_COLOR) every escape sequence is made visible', () => {
    expect(terminalText('\x1b[31mred\x1b[39m\tand\n', false)).toBe('\\x1b[31mred\\x1b[39m\tand\n');
  });
});

describe('the runs table', () => {
  test('a workflow name with a control character is escaped before the table is laid out: every line is as wide', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'ctl.yaml', 'name: "a\\x01b"\nsymbols:\n  - {name: n, type: action, parameters: {operation: noop}}\n');
    expect((await swarm(['run', file, '--db', db, '--quiet'], config)).code).toBe(0);
    const { stdout } = await swarm(['runs', '--db', db], config, { NO_COLOR: '1' });
    expect(stdout).toContain('a\\x01b');
    const lines = stdout.split('\n').filter((l) => /^[│┌├└]/.test(l));
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

describe('the CLI', () => {
  test('prints a workflow name and an error message with escape sequences escaped, and --json stays JSON', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(
      dir,
      'hostile.yaml',
      [
        'name: "x \\e]0;TITLE\\a \\e[2J done \\u009b1A"',
        'symbols:',
        '  - {name: boom, type: action, retries: 0, parameters: {operation: fail, message: "bad \\e]8;;http://evil\\e\\\\ link"}}',
        '',
      ].join('\n'),
    );
    const ran = await swarm(['run', file, '--db', db], config);
    expect(ran.code).toBe(1);
    const printed = ran.stdout + ran.stderr;
    expect(printed).toContain('x \\x1b]0;TITLE\\x07 \\x1b[2J done \\x9b1A');
    expect(printed).toContain('bad \\x1b]8;;http://evil\\x1b\\ link');
    expect(printed).not.toMatch(/[\x07\x9b]|\x1b(?!\[\d+(;\d+)*m)/);

    const listed = await swarm(['runs', '--db', db], config);
    expect(listed.stdout).toContain('\\x1b]0;TITLE\\x07');
    expect(listed.stdout).not.toMatch(/[\x07\x9b]|\x1b(?!\[\d+(;\d+)*m)/);

    const json = await swarm(['runs', '--db', db, '--json'], config);
    expect(json.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(JSON.parse(json.stdout).runs[0].name).toBe('x \x1b]0;TITLE\x07 \x1b[2J done \x9b1A');
  });

  test("a module's log line shows its control characters as \\xNN escapes, on the console and with --quiet", async () => {
    const { dir, config, db } = sandbox();
    writeFileSync(
      join(dir, 'noisy.ts'),
      "export default async ({ log }: any) => { await log('a\\x00b\\x07c\\x1b[2Jd\\x1b[31me\\x7ff\\x9bg end', 'warn'); return 1; };\n",
    );
    const file = writeManifest(dir, 'noisy.yaml', 'name: noisy\nsymbols:\n  - {name: n, type: action, parameters: {operation: module, module: ./noisy.ts}}\n');
    const shown = 'a\\x00b\\x07c\\x1b[2Jd\\x1b[31me\\x7ff\\x9bg end';
    for (const args of [[], ['--quiet']]) {
      const ran = await swarm(['run', file, '--db', db, ...args], config);
      expect(ran.code).toBe(0);
      expect(ran.stderr).toContain(shown);
      expect(ran.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
  });
});
