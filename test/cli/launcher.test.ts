import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { listeningLine, within } from './dispatcher-process.ts';
import { ROOT, TIMEOUT, removeTempDirs, sandbox, swarmJson, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const LAUNCHER = join(ROOT, 'bin/swarm');
/** The launcher's BIG_FILE_BYTES, plus a little. */
const BIG_FILE_BYTES = 32 * 1024 * 1024 + 1024;

/**
 * Starts `swarm start-dispatcher` through `launcher`, waits until it listens (its first stdout
 * line, with --json), and returns what the swarm process itself runs with (read from /proc:
 * `exec` keeps the launcher's pid), then stops it with SIGTERM.
 */
async function launched(launcher: string, args: string[], env: Record<string, string | undefined>) {
  const child = Bun.spawn([launcher, 'start-dispatcher', ...args, '--port', '0', '--json'], {
    cwd: ROOT,
    // The launcher runs the `bun` on the PATH when the package has none: this one.
    env: { ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    // A group of its own: if the launcher ever leaves a process behind, the test ends it.
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  try {
    const stderr = new Response(child.stderr).text();
    const listening = await listeningLine(child, () => stderr);
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    const command = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    child.kill('SIGTERM');
    return {
      code: await within(child.exited, 20_000, 'dispatcher exit after SIGTERM'),
      listening,
      command,
      purgeDelay: environ.find((e) => e.startsWith('MIMALLOC_PURGE_DELAY='))?.slice('MIMALLOC_PURGE_DELAY='.length),
    };
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone: nothing was left behind
    }
  }
}

/** The test's environment without the variables the launcher or the CLI would act on; SWARM_CONFIG when given. */
function cleanEnv(config?: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.MIMALLOC_PURGE_DELAY;
  delete env.SWARM_AUTH_TOKEN;
  delete env.SWARM_CONFIG;
  delete env.INIT_CWD;
  if (config !== undefined) env.SWARM_CONFIG = config;
  return env;
}

/** A valid config file past the launcher's size, mostly one comment. */
function writeBigConfig(path: string): string {
  writeFileSync(path, `# ${'x'.repeat(BIG_FILE_BYTES)}\n[logging]\nfile = ""\n\n[dispatcher]\nwebsocket_port = 0\n`);
  return path;
}

/** A real SQLite file past the launcher's size (the dispatcher adds its tables to it). */
function writeBigDatabase(path: string): string {
  // A state database of the swarm's own (another program's file is refused), made big.
  new SqliteStore(path).close();
  const file = new Database(path);
  file.run('CREATE TABLE ballast (b BLOB)');
  file.run('INSERT INTO ballast VALUES (zeroblob(?))', [BIG_FILE_BYTES]);
  file.close();
  return path;
}

/** What npm or bun gives the `swarm` script it runs from the package's root (see npm-directory.ts). */
const SCRIPT_ENV = { npm_lifecycle_event: 'swarm', npm_package_json: join(ROOT, 'package.json') };

describe('bin/swarm, the `swarm` command', () => {
  test('runs the CLI in its own process with the allocator keeping what it frees', async () => {
    const { config } = sandbox({ dispatcher: 'websocket_port = 0' });
    const result = await launched(LAUNCHER, [], cleanEnv(config));
    expect(result.listening.url).toStartWith('http://');
    // The launcher's pid is the swarm's own: the package's Bun running the CLI, no shell around it.
    expect(result.command.slice(0, 3)).toEqual([join(ROOT, 'node_modules/.bin/bun'), join(ROOT, 'src/cli/bin.ts'), 'start-dispatcher']);
    expect(result.purgeDelay).toBe('-1');
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('a manifest or config file over 32 MB (a huge manifest) keeps Bun\'s default, which gives memory back', async () => {
    const { dir } = sandbox();
    const result = await launched(LAUNCHER, [writeBigConfig(join(dir, 'big.toml'))], cleanEnv());
    expect(result.listening.url).toStartWith('http://');
    expect(result.purgeDelay).toBeUndefined();
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('under `npm run swarm`, a relative path is read from where the user typed the command', async () => {
    const { dir } = sandbox();
    writeBigConfig(join(dir, 'big.toml'));
    const result = await launched(LAUNCHER, ['big.toml'], { ...cleanEnv(), ...SCRIPT_ENV, INIT_CWD: dir });
    expect(result.purgeDelay).toBeUndefined();
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('under `bun run swarm`, the same from npm_config_local_prefix (bun sets no INIT_CWD)', async () => {
    const { dir } = sandbox();
    writeBigConfig(join(dir, 'big.toml'));
    const bunScript = { npm_config_local_prefix: dir, npm_config_user_agent: `bun/${Bun.version} npm/? node/v24.3.0 linux x64` };
    const result = await launched(LAUNCHER, ['big.toml'], { ...cleanEnv(), ...SCRIPT_ENV, ...bunScript });
    expect(result.purgeDelay).toBeUndefined();
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('a file given as --option=FILE counts as well', async () => {
    const { dir, config } = sandbox({ dispatcher: 'websocket_port = 0' });
    // A real state database, past the size and named .json, given as --db=.
    const db = writeBigDatabase(join(dir, 'state.json'));
    const result = await launched(LAUNCHER, [`--db=${db}`], cleanEnv(config));
    expect(result.purgeDelay).toBeUndefined();
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('a big state database (.db) does not count: only files named .yaml, .yml, .toml or .json do', async () => {
    const { config, db } = sandbox({ dispatcher: 'websocket_port = 0' });
    const result = await launched(LAUNCHER, ['--db', writeBigDatabase(db)], cleanEnv(config));
    expect(result.purgeDelay).toBe('-1');
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('a setting already in the environment is left as it is', async () => {
    const { config } = sandbox({ dispatcher: 'websocket_port = 0' });
    const result = await launched(LAUNCHER, [], { ...cleanEnv(config), MIMALLOC_PURGE_DELAY: '250' });
    expect(result.purgeDelay).toBe('250');
    expect(result.code).toBe(0);
  }, TIMEOUT);

  test('works through a symlink, as npm links it into node_modules/.bin', async () => {
    const { dir, config } = sandbox({ dispatcher: 'websocket_port = 0' });
    const link = join(dir, 'swarm');
    symlinkSync(LAUNCHER, link);
    const result = await launched(link, [], cleanEnv(config));
    expect(result.command[1]).toBe(join(ROOT, 'src/cli/bin.ts'));
    expect(result.purgeDelay).toBe('-1');
    expect(result.code).toBe(0);
  }, TIMEOUT);
});

/**
 * `npx swarm …args` from the package's root, in a session of its own (so the test can end
 * whatever is left). npm runs `sh -c swarm …`, and that shell is the CLI's parent.
 */
function npx(args: string[], config: string) {
  return Bun.spawn(['npx', 'swarm', ...args], {
    cwd: ROOT,
    env: { ...cleanEnv(config), PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
}

/** The pid of the swarm process (Bun running src/cli/bin.ts) whose command line names `marker`, read from /proc. */
function swarmPid(marker: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string[];
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (command.includes(join(ROOT, 'src/cli/bin.ts')) && command.includes(marker)) return Number(entry);
  }
  return undefined;
}

/** The parent of `pid`, from /proc/<pid>/stat. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * What `stream` carries: `until(text)` resolves once `text` has come, `ended` with all of it
 * once the stream ends (every process holding its write end, npm's shell and the CLI, exited).
 */
function collected(stream: ReadableStream<Uint8Array>) {
  let text = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const ended = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of waiters.splice(0)) {
        if (text.includes(w.text)) w.resolve();
        else waiters.push(w);
      }
    }
    return text;
  })();
  const until = (wanted: string) =>
    text.includes(wanted) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text: wanted, resolve }));
  return { ended, until, text: () => text };
}

describe.skipIf(!existsSync('/proc/self/stat'))('`npx swarm` when npm is killed with SIGKILL (its shell lives on)', () => {
  test('a dispatcher stops as on SIGTERM once npm has exited: nothing is left, the port is free', async () => {
    const { config } = sandbox({ dispatcher: 'websocket_port = 0' });
    const child = npx(['start-dispatcher', config, '--port', '0', '--json'], config);
    try {
      const stderr = collected(child.stderr);
      const { url } = await listeningLine(child, stderr.text);
      const pid = swarmPid(config)!;
      // npm → sh -c swarm … → the CLI: the shell outlives npm's SIGKILL, and stays the CLI's parent.
      expect(parentOf(parentOf(pid))).toBe(child.pid);
      child.kill('SIGKILL');
      await child.exited;
      // The CLI looks once a second; then it drains and exits, and so does the shell.
      const text = await within(stderr.ended, 20_000, 'the dispatcher and its shell exiting after npm was killed');
      expect(text).toContain('the npm process that started this one has exited; stopping as on SIGTERM');
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(await fetch(`${url}/health`).then(() => 'answered', () => 'refused')).toBe('refused');
    } finally {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone: nothing was left behind
      }
    }
  }, TIMEOUT);

  test('a run is cancelled and saved once npm has exited, not left running as an orphan', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 200' });
    const manifest = writeManifest(
      dir,
      'slow.yaml',
      'name: slow\nsymbols:\n  - name: wait\n    type: action\n    parameters: {operation: delay, ms: 60000}\n',
    );
    const child = npx(['run', manifest, '--db', db], config);
    try {
      const stderr = collected(child.stderr);
      await within(Promise.race([stderr.until('run accepted'), stderr.ended]), 20_000, 'run accepted');
      expect(stderr.text()).toContain('run accepted');
      const pid = swarmPid(db)!;
      child.kill('SIGKILL');
      await child.exited;
      const text = await within(stderr.ended, 20_000, 'the run and its shell exiting after npm was killed');
      expect(text).toContain('the npm process that started this one has exited; stopping as on SIGTERM');
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      const runs = await swarmJson(['runs', '--db', db], config);
      expect(runs.json.runs[0]).toMatchObject({ status: 'cancelled' });
    } finally {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone: nothing was left behind
      }
    }
  }, TIMEOUT);
});
