import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../src/errors.ts';
import { killDispatchers, startDispatcher } from './cli/dispatcher-process.ts';
import { FdLogSink } from '../src/log-sink.ts';
import { Logger, prettyLogLine } from '../src/logger.ts';

/** A console stand-in that keeps what is written to it. */
function collector() {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => void chunks.push(chunk),
    text: () => chunks.join(''),
    json: () => chunks.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const dirs: string[] = [];
const tempFile = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-logger-test-'));
  dirs.push(dir);
  return join(dir, 'logs', name);
};
const fileLines = (path: string) =>
  readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

// Taken before any configure call, as application modules do at import.
const early = Logger.get('early');

let out = collector();
beforeEach(() => {
  out = collector();
  Logger.configure({ level: 'info', console: true, format: 'json', file: '', consoleStream: out });
});
afterAll(() => {
  Logger.close();
  Logger.configure({ level: 'info', console: true, format: 'text', consoleStream: process.stderr });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('levels', () => {
  test('messages below the level are dropped', () => {
    Logger.configure({ level: 'warn' });
    const log = Logger.get('coordinator');
    log.info('not shown');
    log.warn('shown');
    log.error('also shown');
    expect(out.json().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'shown'],
      ['error', 'also shown'],
    ]);
  });

  test('verbose is below debug', () => {
    const log = Logger.get('node');
    Logger.configure({ level: 'debug' });
    log.verbose('hidden at debug');
    log.debug('debug line');
    Logger.configure({ level: 'verbose' });
    log.verbose('verbose line');
    expect(out.json().map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'debug line'],
      ['verbose', 'verbose line'],
    ]);
  });

  test('an unknown level is a ConfigError', () => {
    expect(() => Logger.configure({ level: 'trace' as never })).toThrow(ConfigError);
  });
});

describe('output', () => {
  test('get(component) tags every line with the component', () => {
    Logger.get('dispatcher').info('hi');
    expect(out.json()[0]).toMatchObject({ component: 'dispatcher', msg: 'hi', level: 'info' });
  });

  test('text format is pretty-printed, not JSON, and written before the call returns', () => {
    Logger.configure({ format: 'text' });
    Logger.get('worker').warn({ attempt: 2 }, 'slow task');
    const text = out.text();
    expect(text).toContain('WARN');
    expect(text).toContain('worker: slow task');
    expect(text).toContain('attempt: 2');
    expect(() => JSON.parse(text)).toThrow();
  });

  test('the file gets parseable JSON lines, whatever the console format', () => {
    const file = tempFile('swarm.log');
    Logger.configure({ format: 'text', file, level: 'debug' });
    const log = Logger.get('store');
    log.debug({ rows: 3 }, 'committed');
    log.error(new Error('disk full'), 'write failed');
    Logger.flush();
    const lines = fileLines(file);
    expect(lines.map((l) => [l.level, l.component, l.msg])).toEqual([
      ['debug', 'store', 'committed'],
      ['error', 'store', 'write failed'],
    ]);
    expect(lines[0].rows).toBe(3);
    expect((lines[1].err as { message: string }).message).toBe('disk full');
  });

  test('console: false writes nothing to the console', () => {
    const file = tempFile('only-file.log');
    Logger.configure({ console: false, file });
    Logger.get().info('to the file only');
    Logger.flush();
    expect(out.text()).toBe('');
    expect(fileLines(file).map((l) => l.msg)).toEqual(['to the file only']);
  });

  test('an unusable log file is a ConfigError naming logging.file', () => {
    const blocker = tempFile('plain-file');
    Logger.configure({ file: blocker });
    // A path "inside" a regular file cannot be created.
    const err = (() => {
      try {
        Logger.configure({ file: join(blocker, 'nested.log') });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0].key).toBe('logging.file');
  });
});

describe('redaction', () => {
  test('tokens and keys never reach the log', () => {
    const file = tempFile('secrets.log');
    Logger.configure({ file });
    Logger.get('server').info(
      {
        auth_token: 's1',
        api_key: 's2',
        token: 's3',
        authorization: 'Bearer s4',
        headers: { authorization: 'Bearer s5' },
        worker: { authToken: 's6' },
        config: { security: { api_key: 's7' }, dispatcher: { auth_token: 's8' } },
      },
      'connection',
    );
    Logger.flush();
    for (const written of [out.text(), readFileSync(file, 'utf8')]) {
      for (const secret of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']) expect(written).not.toContain(`${secret}"`);
      expect(written).toContain('[redacted]');
    }
  });
});

describe('reconfiguring', () => {
  test('loggers taken before configure follow the new level and destination', () => {
    early.debug('dropped at info');
    Logger.configure({ level: 'debug' });
    early.debug('kept at debug');
    const grandchild = early.child({ task: 't1' });
    Logger.configure({ level: 'error' });
    grandchild.warn('dropped at error');
    grandchild.error('kept at error');
    expect(out.json().map((l) => l.msg)).toEqual(['kept at debug', 'kept at error']);
  });

  test('fields left out keep their values; switching files moves output', () => {
    const first = tempFile('first.log');
    const second = tempFile('second.log');
    Logger.configure({ file: first, level: 'warn' });
    Logger.configure({ file: second });
    Logger.get().warn('to the second file');
    Logger.flush();
    expect(fileLines(second).map((l) => l.msg)).toEqual(['to the second file']);
    expect(readFileSync(first, 'utf8')).toBe('');
    expect(out.json().map((l) => l.msg)).toEqual(['to the second file']); // console still on, still json
  });

  test('close() ends the file; the console keeps working', () => {
    const file = tempFile('closed.log');
    Logger.configure({ file });
    Logger.get().info('before close');
    Logger.close();
    Logger.get().info('after close');
    expect(fileLines(file).map((l) => l.msg)).toEqual(['before close']);
    expect(out.json().map((l) => l.msg)).toEqual(['before close', 'after close']);
  });
});

/**
 * A log file that cannot be written, in real CLI processes: the command warns once and ends,
 * and a dispatcher still stops on SIGTERM. Each wait is bounded, so a hang fails the test.
 */
describe('an unwritable log file', () => {
  const ROOT = join(import.meta.dir, '..');
  const EXIT_BOUND_MS = 15_000;

  function configWithLogFile(file: string, extra = ''): string {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-logger-cli-'));
    dirs.push(dir);
    chmodSync(dir, 0o755); // readable by the unprivileged user of the read-only case
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      `[logging]\nfile = ${JSON.stringify(file)}\n\n[dispatcher]\nstate_db_path = ":memory:"\nlocal_workers = 1\n${extra}\n`,
    );
    return config;
  }

  function spawnSwarm(args: string[], prefix: string[] = []) {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.SWARM_CONFIG;
    delete env.SWARM_AUTH_TOKEN;
    return Bun.spawn([...prefix, process.execPath, 'src/cli/bin.ts', ...args], { cwd: ROOT, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  }

  /** The exit code, or a failure (after killing the process) when it has not exited within the bound. */
  async function exitCode(child: ReturnType<typeof spawnSwarm>): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), EXIT_BOUND_MS)));
    const result = await Promise.race([child.exited, bound]);
    clearTimeout(timer);
    if (result === 'hung') {
      child.kill('SIGKILL');
      throw new Error(`swarm did not exit within ${EXIT_BOUND_MS} ms`);
    }
    return result;
  }

  const HELLO = 'examples/hello.yaml';

  test('a full disk (/dev/full): `run` warns once, naming the file and the fix, and exits', async () => {
    const child = spawnSwarm(['run', HELLO, configWithLogFile('/dev/full')]);
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), exitCode(child)]);
    expect(code).toBe(0);
    expect(stdout).toContain('succeeded');
    const warnings = stderr.split('\n').filter((line) => line.includes('cannot write the log file /dev/full'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('[logging] file');
  }, 30_000);

  test('a full disk: a dispatcher still stops on SIGTERM', async () => {
    const dispatcher = await startDispatcher(configWithLogFile('/dev/full'));
    try {
      // --json's first line is written once the signal handlers are in place; the warning is
      // written before it, but may reach us after it.
      for (let i = 0; i < 200 && !dispatcher.stderr().includes('cannot write the log file'); i++) await Bun.sleep(25);
      expect(dispatcher.stderr()).toContain('cannot write the log file /dev/full');
      expect(await dispatcher.stop('SIGTERM', EXIT_BOUND_MS)).toBe(0);
    } finally {
      await killDispatchers();
    }
  }, 30_000);

  test('a path that cannot be created is a configuration error (exit 2) naming logging.file', async () => {
    const blocker = tempFile('plain-file');
    mkdirSync(dirname(blocker), { recursive: true });
    writeFileSync(blocker, '');
    const child = spawnSwarm(['run', HELLO, configWithLogFile(join(blocker, 'swarm.log'))]);
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), exitCode(child)]);
    expect(code).toBe(2);
    expect(stderr).toContain(`logging.file: cannot open ${join(blocker, 'swarm.log')}: ${blocker} is a file, not a directory`);
    expect(stderr).toContain('"" for no log file');
  }, 30_000);

  test('a read-only file is a configuration error (exit 2) naming logging.file', async () => {
    const file = tempFile('read-only.log');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
    chmodSync(file, 0o444);
    // root may write any file: run as nobody then.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const child = spawnSwarm(['run', HELLO, configWithLogFile(file)], asUser);
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), exitCode(child)]);
    expect(code).toBe(2);
    expect(stderr).toContain(`logging.file: cannot open ${file}: permission denied`);
  }, 30_000);
});

describe('FdLogSink', () => {
  test('a failing descriptor is reported once, never throws, and drops the lines', () => {
    const failures: Error[] = [];
    const sink = new FdLogSink(openSync('/dev/full', 'w'), (error) => failures.push(error));
    for (let i = 0; i < 100; i++) sink.write(`{"line":${i}}\n`);
    sink.flushSync();
    sink.close();
    sink.write('after close\n');
    expect(failures.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
  });
});

describe('errors on the console', () => {
  const pretty = prettyLogLine(false);
  const line = (err: Record<string, unknown>) => JSON.stringify({ level: 'error', time: 0, msg: 'it failed', err });

  test("one of the swarm's errors (it has a code) shows its message, not its stack; anything else keeps its stack", () => {
    const own = pretty(line({ type: 'SwarmError', code: 'STORE_UNAVAILABLE', message: 'The state database refused a write: disk full. Check the disk.', stack: 'SwarmError: …\n    at commit (src/store/sqlite-store.ts:1:1)' }));
    expect(own).toContain('The state database refused a write: disk full. Check the disk. (STORE_UNAVAILABLE)');
    expect(own).not.toContain('sqlite-store.ts');
    const bug = pretty(line({ type: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at f (src/a.ts:1:1)' }));
    expect(bug).toContain('at f (src/a.ts:1:1)');
    const coded = pretty(line({ type: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'bad argument', stack: 'TypeError: bad argument\n    at g (src/b.ts:2:2)' }));
    expect(coded).toContain('at g (src/b.ts:2:2)');
  });
});

describe('a message of several lines on the console', () => {
  test('its further lines are indented, so no line of it passes for a log line of its own', () => {
    // A workflow's `log` operation (or a worker's log frame) could forge a dispatcher line.
    const forged = 'log1\n[14:00:00.000] INFO: dispatcher: worker registered\r\nthird';
    const text = prettyLogLine(false)(JSON.stringify({ level: 40, time: 0, msg: forged }));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toEndWith('WARN: log1');
    expect(lines.slice(1)).toEqual(['    [14:00:00.000] INFO: dispatcher: worker registered\\x0d', '    third']);
  });
});

