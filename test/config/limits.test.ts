import { afterEach, describe, expect, test } from 'bun:test';
import { availableParallelism } from 'node:os';
import { defaultConfig } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { MAX_TIMER_MS } from '../../src/timer-limits.ts';
import { loadConfig } from '../../src/config/load.ts';
import { swarm, TIMEOUT } from '../cli/helpers.ts';
import { configErrorFrom, removeTempDirs, tempDir, writeFile } from './helpers.ts';

afterEach(removeTempDirs);

/** A raw config with `value` at the dotted `key`. */
function withKey(key: string, value: unknown): Record<string, unknown> {
  const parts = key.split('.');
  const root: Record<string, unknown> = {};
  let table = root;
  for (const part of parts.slice(0, -1)) table = (table[part] = {}) as Record<string, unknown>;
  table[parts.at(-1)!] = value;
  return root;
}

/** The message of the issue about `key` when `value` is set there. */
function refusal(key: string, value: unknown): string {
  const error = configErrorFrom(() => validateConfig(withKey(key, value), 'c.toml'));
  const issue = error.issues.find((i) => i.key === key);
  expect(issue).toBeDefined();
  return issue!.message;
}

const DURATION_KEYS = [
  'dispatcher.shutdown_grace',
  'coordinator.heartbeat_interval',
  'coordinator.heartbeat_timeout',
  'coordinator.retry_backoff_base',
  'coordinator.retry_backoff_max',
  'coordinator.node_wait_timeout',
  'worker.heartbeat_interval',
  'backends.rust_injector.timeout',
  'backends.php_engine.timeout',
  'backends.powershell_engine.timeout',
];

describe('durations: at most 2^31 - 1 ms, the longest a timer can wait', () => {
  test.each(DURATION_KEYS)('%s = 2^31 is refused, naming the maximum', (key) => {
    const message = refusal(key, 2 ** 31);
    expect(message).toContain(String(MAX_TIMER_MS));
    expect(message).toContain('24.8 days');
  });

  test('the maximum itself is accepted', () => {
    expect(validateConfig(withKey('coordinator.node_wait_timeout', MAX_TIMER_MS)).config.coordinator.node_wait_timeout).toBe(MAX_TIMER_MS);
    expect(validateConfig(withKey('backends.php_engine.timeout', MAX_TIMER_MS)).config.backends.php_engine.timeout).toBe(MAX_TIMER_MS);
  });
});

describe('counts and sizes have a maximum, with the reason', () => {
  const cases: [key: string, max: number, reason: string][] = [
    ['dispatcher.local_workers', 256, 'JavaScript runtime'],
    ['dispatcher.tasks_per_thread', 1_024, 'holds all its tasks'],
    ['worker.max_concurrent_tasks', 1_024, 'in memory'],
    ['worker.capabilities.max_concurrent_tasks', 1_024, 'in memory'],
    ['coordinator.max_workers', 10_000, 'connection'],
    ['coordinator.task_retry_limit', 1_000, 'journaled'],
    ['security.max_message_size', 64 * 1_048_576, '64 MiB'],
    ['backends.php_engine.max_output_size', 64 * 1_048_576, '64 MiB'],
  ];

  test.each(cases)('%s: one over %d is refused', (key, max, reason) => {
    for (const value of [max + 1, 2 ** 31, 2 ** 53]) {
      const message = refusal(key, value);
      expect(message).toContain(`at most ${max}`);
      expect(message).toContain(reason);
    }
  });

  test('local_workers = 256 is accepted; the default is the CPU count, at most 256', () => {
    expect(validateConfig(withKey('dispatcher.local_workers', 256)).config.dispatcher.local_workers).toBe(256);
    expect(defaultConfig().dispatcher.local_workers).toBe(Math.min(availableParallelism(), 256));
  });
});

describe('a config nested deeper than JSON can hold', () => {
  test('a 100,000-level dotted key is one clear error, not a stack overflow', () => {
    const raw: Record<string, unknown> = {};
    let table = raw;
    for (let i = 0; i < 100_000; i++) table = (table.a = {}) as Record<string, unknown>;
    const deep = { dispatcher: { bind: raw } };
    const error = configErrorFrom(() => validateConfig(deep, 'c.toml'));
    expect(error.issues).toMatchObject([{ file: 'c.toml', key: 'dispatcher.bind.a.a.…', message: expect.stringContaining('deeper than 256 levels') }]);
  });
});

describe('a config file nested too deep', () => {
  test('100,000 nested arrays: the line, the column and the limit, with a short excerpt', () => {
    const file = writeFile(tempDir(), 'deep.toml', `[security]\nallowed_hosts = ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const error = configErrorFrom(() => loadConfig(file, { env: {} }));
    expect(error.issues[0].key).toMatch(/^line 2, column \d+$/);
    expect(error.issues[0].message).toContain('nested deeper than 256 levels');
    expect(error.message.length).toBeLessThan(2_000);
  });
});

describe('through the CLI', () => {
  test('local_workers = 1000 is a config error (exit 2) naming the key, the bound and why; nothing starts', async () => {
    const config = writeFile(tempDir(), 'c.toml', '[logging]\nfile = ""\n[dispatcher]\nlocal_workers = 1000\n');
    const result = await swarm(['run', 'examples/hello.yaml'], config);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dispatcher.local_workers: expected a whole number from 0 to 256');
    expect(result.stderr).toContain('JavaScript runtime');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, TIMEOUT);
});
