/**
 * `swarm watch` in a real terminal: tmux runs it, send-keys types, capture-pane reads the
 * screen. Every wait is for something on the screen, bounded.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeTempDirs, ROOT, sandbox, spawnCli, swarm, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');
const sockets: string[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) spawnSync('tmux', ['-L', socket, 'kill-server']);
  removeTempDirs();
});

/** `swarm watch …args` in a detached tmux session of its own (120×32). */
function watchInTmux(args: string[], config: string) {
  const socket = `swarm-watch-${process.pid}-${sockets.length}`;
  sockets.push(socket);
  const command = [`SWARM_CONFIG='${config}'`, `'${process.execPath}'`, 'src/cli/bin.ts', 'watch', ...args.map((a) => `'${a}'`)].join(' ');
  const started = spawnSync('tmux', ['-L', socket, 'new-session', '-d', '-x', '120', '-y', '32', '-c', ROOT, command]);
  if (started.status !== 0) throw new Error(`tmux did not start: ${started.stderr}`);
  const tmux = (...a: string[]) => spawnSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' });
  return {
    screen: () => tmux('capture-pane', '-p').stdout ?? '',
    keys: (...keys: string[]) => void tmux('send-keys', ...keys),
    alive: () => tmux('has-session').status === 0,
    async until(what: string, check: (screen: string) => boolean): Promise<string> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const screen = this.screen();
        if (check(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
        await Bun.sleep(50);
      }
    },
  };
}

describe('swarm watch', () => {
  test('a finished run: tasks with icons and the journal tail; the cursor steps back into the past and End returns', async () => {
    const { config, db } = sandbox();
    const run = await swarmJson(['run', 'examples/retry-and-rollback.yaml', '--db', db], config);
    const w = watchInTmux([run.json.runId, '--db', db], config);
    const live = await w.until('the live view', (s) => s.includes('[LIVE]') && s.includes('flaky'));
    expect(live).toMatch(/✓ succeeded +flaky +local +attempt 3/);
    expect(live).toMatch(/↩ rolled_back +doomed/);
    expect(live).toMatch(/⊘ skipped +after-doomed/);
    expect(live).toContain('dispatcher.runFinished');
    // Back to the run's first row: every task pending, nothing ran yet.
    w.keys('Home');
    const first = await w.until('the first seq', (s) => s.includes('[at this seq; End: live]') && s.includes('tasks: 5 pending'));
    expect(first).toMatch(/· pending +flaky/);
    // Forward step by step until flaky is seen retrying: a state it no longer is in.
    const seqOf = (screen: string) => /· seq (\d+) of/.exec(screen)?.[1];
    let retrying = '';
    let screen = first;
    for (let i = 0; i < 60 && !retrying; i++) {
      const before = seqOf(screen);
      w.keys('Right');
      screen = await w.until('the cursor to move one row', (s) => seqOf(s) !== before);
      if (/↻ retrying +flaky/.test(screen)) retrying = screen;
    }
    expect(retrying).toMatch(/↻ retrying +flaky/);
    w.keys('End');
    await w.until('live again', (s) => s.includes('[LIVE]'));
    w.keys('q');
    const deadline = Date.now() + 10_000;
    while (w.alive() && Date.now() < deadline) await Bun.sleep(50);
    expect(w.alive()).toBe(false);
  }, TIMEOUT);

  test('a live run: the view follows it without a key', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: hold, type: action, parameters: {operation: module, module: ${WAIT}, path: ${gate}}}\n`);
    const child = spawnCli(['run', file, '--db', db, '--quiet'], config);
    let runId: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!runId) {
      if (Date.now() > deadline) throw new Error('the run was not recorded');
      runId = (await swarmJson(['runs', '--db', db], config)).json.runs?.[0]?.runId;
      if (!runId) await Bun.sleep(50);
    }
    const w = watchInTmux([runId, '--db', db], config);
    await w.until('hold running on the local node', (s) => /▶ running +hold +local/.test(s) && s.includes('on nodes: local: hold'));
    writeFileSync(gate, '');
    await w.until('hold succeeded', (s) => /✓ succeeded +hold/.test(s) && s.includes('succeeded ·'));
    expect(await child.exited).toBe(0);
    w.keys('q');
  }, TIMEOUT);

  test('a run whose process is killed: shown interrupted with the way to take it up, and live again once it is', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: hold, type: action, parameters: {operation: module, module: ${WAIT}, path: ${gate}}}\n`);
    const child = spawnCli(['run', file, '--db', db, '--quiet'], config);
    const runId = await until('the run to be recorded', async () => (await swarmJson(['runs', '--db', db], config)).json.runs?.[0]?.runId as string | undefined, 20_000);
    const w = watchInTmux([runId, '--db', db], config);
    await w.until('hold running', (s) => /▶ running +hold +local/.test(s) && s.includes('[LIVE]'));
    child.kill('SIGKILL');
    await child.exited;
    const cut = await w.until('the run interrupted', (s) => s.includes('[interrupted]'));
    expect(cut).toContain('interrupted: its process is gone; take it up with `swarm run --resume');
    // With the config the watch was given (SWARM_CONFIG here); the screen's width cuts the rest.
    expect(cut.replace(/\n/g, '')).toContain(`--resume ${runId} ${config.slice(0, 16)}`);
    const resumed = spawnCli(['run', '--resume', runId, '--db', db, '--quiet'], config);
    await w.until('taken up: live again', (s) => s.includes('[LIVE]') && !s.includes('interrupted:'));
    writeFileSync(gate, '');
    await w.until('hold succeeded', (s) => /✓ succeeded +hold/.test(s));
    expect(await resumed.exited).toBe(0);
    w.keys('q');
  }, TIMEOUT);

  test('without a terminal it says what to use instead (exit 2)', async () => {
    const { config, db } = sandbox();
    const run = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const piped = await swarm(['watch', run.json.runId, '--db', db], config);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('swarm watch draws on a terminal');
  }, TIMEOUT);
});
