import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/errors.ts';
import { Logger } from '../src/logger.ts';

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
