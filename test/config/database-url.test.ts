import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { configuredStoreLocation } from '../../src/store/index.ts';
import { configErrorFrom, removeTempDirs, tempDir, writeFile } from './helpers.ts';

afterEach(removeTempDirs);

const URL_WITH_PASSWORD = 'postgres://swarm:hunter2@db.example:5432/swarm';

describe('[dispatcher] state_db_url and the PostgreSQL keys', () => {
  test('unset by default: the store is the SQLite file; pool 4, statement timeout 10 s', () => {
    const { dispatcher } = defaultConfig();
    expect(dispatcher.state_db_url).toBeUndefined();
    expect(configuredStoreLocation(dispatcher)).toBe('./swarm-state.db');
    expect(dispatcher.db_pool_size).toBe(4);
    expect(dispatcher.db_statement_timeout).toBe(10_000);
  });

  test('a postgres:// or postgresql:// URL wins over state_db_path, and is never resolved as a path', () => {
    const dir = tempDir();
    for (const url of [URL_WITH_PASSWORD, 'postgresql://swarm@127.0.0.1/swarm?search_path=swarm']) {
      const file = writeFile(dir, 'c.toml', `[dispatcher]\nstate_db_path = "state.db"\nstate_db_url = "${url}"\n`);
      const { config } = loadConfig(file, { env: {} });
      expect(config.dispatcher.state_db_url).toBe(url);
      expect(config.dispatcher.state_db_path).toBe(join(dir, 'state.db'));
      expect(configuredStoreLocation(config.dispatcher)).toBe(url);
    }
    // A URL written in state_db_path is left as a URL too (openStore picks PostgreSQL by scheme).
    const inPath = writeFile(dir, 'p.toml', `[dispatcher]\nstate_db_path = "${URL_WITH_PASSWORD}"\n`);
    expect(loadConfig(inPath, { env: {} }).config.dispatcher.state_db_path).toBe(URL_WITH_PASSWORD);
  });

  test('another scheme is refused, naming the key, without echoing the password', () => {
    const error = configErrorFrom(() => validateConfig({ dispatcher: { state_db_url: 'mysql://swarm:hunter2@db/swarm' } }, 'c.toml'));
    expect(error.issues.map((i) => i.key)).toEqual(['dispatcher.state_db_url']);
    expect(error.message).toContain('postgres://');
    expect(error.message).toContain('swarm:***@db');
    expect(error.message).not.toContain('hunter2');
  });

  test('pool size and statement timeout are bounded like every count and duration', () => {
    const keys = configErrorFrom(() =>
      validateConfig({ dispatcher: { db_pool_size: 0, db_statement_timeout: 2 ** 31 } }),
    ).issues.map((i) => i.key);
    expect(keys.sort()).toEqual(['dispatcher.db_pool_size', 'dispatcher.db_statement_timeout']);
    const pool = configErrorFrom(() => validateConfig({ dispatcher: { db_pool_size: 1_001 } })).message;
    expect(pool).toContain('server process');
  });

  test('SWARM_DATABASE_URL overrides the file; empty means unset; a bad one names the variable, redacted', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[dispatcher]\nstate_db_url = "postgres://file@db/swarm"\n');
    const fromEnv = 'postgres://env:secret@db/swarm';
    expect(loadConfig(file, { env: { SWARM_DATABASE_URL: fromEnv } }).config.dispatcher.state_db_url).toBe(fromEnv);
    expect(loadConfig(file, { env: { SWARM_DATABASE_URL: '' } }).config.dispatcher.state_db_url).toBe('postgres://file@db/swarm');
    expect(loadConfig(undefined, { env: { SWARM_DATABASE_URL: fromEnv }, cwd: tempDir() }).config.dispatcher.state_db_url).toBe(fromEnv);
    const error = configErrorFrom(() => loadConfig(file, { env: { SWARM_DATABASE_URL: 'http://user:hunter2@db/swarm' } }));
    expect(error.issues.map((i) => i.key)).toEqual(['SWARM_DATABASE_URL']);
    expect(error.message).toContain('user:***@db');
    expect(error.message).not.toContain('hunter2');
  });
});
