/**
 * What a person at a terminal sees (a real pseudo-terminal from util-linux `script`): statuses
 * in colour unless NO_COLOR, and a progress line that names what is running.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeTempDirs, ROOT, sandbox, swarm, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');

/** Runs `swarm …args` on a pseudo-terminal; `onScreen` sees the screen so far after each chunk. */
async function onTerminal(args: string[], config: string, env: Record<string, string> = {}, onScreen: (screen: string) => void = () => {}) {
  const command = [process.execPath, 'src/cli/bin.ts', ...args].map((a) => `'${a}'`).join(' ');
  const child = Bun.spawn(['script', '-qec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, SWARM_CONFIG: config, TERM: 'xterm', NO_COLOR: '', COLUMNS: '160', ...env },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let screen = '';
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    screen += decoder.decode(chunk, { stream: true });
    onScreen(screen);
  }
  return { code: await child.exited, screen };
}

describe('on a terminal', () => {
  test('the progress line names the running task; the summary is coloured', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: hold-the-line, type: action, parameters: {operation: module, module: ${WAIT}, path: ${gate}}}\n`);
    const { code, screen } = await onTerminal(['run', file, '--db', db], config, {}, (s) => {
      if (s.includes('running: hold-the-line')) writeFileSync(gate, '');
    });
    expect(code).toBe(0);
    expect(screen).toContain('running: hold-the-line');
    expect(screen).toContain('\x1b[32msucceeded\x1b[39m');
  }, TIMEOUT);

  test('NO_COLOR turns colour off; piped output never has any', async () => {
    const { config, db } = sandbox();
    const plain = await onTerminal(['run', 'examples/hello.yaml', '--db', db, '--quiet'], config, { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.screen).toContain('succeeded');
    expect(plain.screen).not.toMatch(/\x1b\[3\dm/);
    // A table on a terminal with NO_COLOR: no colour codes, and none made visible as text either.
    const table = await onTerminal(['runs', '--db', db], config, { NO_COLOR: '1' });
    expect(table.screen).toContain('succeeded');
    expect(table.screen).not.toMatch(/\x1b\[|\\x1b/);
    const piped = await swarm(['show', 'x', '--db', db], config);
    expect(piped.stdout + piped.stderr).not.toMatch(/\x1b\[/);
    const runs = await swarm(['runs', '--db', db], config);
    expect(runs.stdout).toContain('succeeded');
    expect(runs.stdout).not.toMatch(/\x1b\[/);
  }, TIMEOUT);
});
