import { afterEach, describe, expect, test } from 'bun:test';
import { ConfigError } from '../../src/errors.ts';
import { loadConfig, resolvedAuthToken } from '../../src/config/load.ts';
import { configErrorFrom, tempDir, writeFile, removeTempDirs } from './helpers.ts';

afterEach(removeTempDirs);

function load(toml: string, env: Record<string, string | undefined> = {}) {
  return loadConfig(writeFile(tempDir(), 'c.toml', toml), { env });
}

describe('the shared token', () => {
  test('is undefined when nothing sets it', () => {
    expect(resolvedAuthToken(load('').config, {})).toBeUndefined();
  });

  test.each([
    ['[dispatcher]\nauth_token = "t1"'],
    ['[worker]\nauth_token = "t1"'],
    ['[security]\napi_key = "t1"'],
    ['[dispatcher]\nauth_token = "t1"\n[worker]\nauth_token = "t1"\n[security]\napi_key = "t1"'],
  ])('comes from whichever key sets it: %p', (toml) => {
    expect(resolvedAuthToken(load(toml).config, {})).toBe('t1');
  });

  test('SWARM_AUTH_TOKEN overrides the config', () => {
    const { config } = load('[dispatcher]\nauth_token = "from-file"');
    expect(resolvedAuthToken(config, { SWARM_AUTH_TOKEN: 'from-env' })).toBe('from-env');
    expect(resolvedAuthToken(config, { SWARM_AUTH_TOKEN: '' })).toBe('from-file');
  });

  test('two keys with different values are a ConfigError naming the second key', () => {
    const err = configErrorFrom(() => load('[dispatcher]\nauth_token = "a"\n[security]\napi_key = "b"'));
    expect(err.issues.map((i) => i.key)).toEqual(['security.api_key']);
    expect(err.message).toContain('dispatcher.auth_token');
  });

  test('resolvedAuthToken refuses a hand-built config whose keys disagree', () => {
    const { config } = load('');
    const conflicting = { ...config, worker: { ...config.worker, auth_token: 'a' }, security: { ...config.security, api_key: 'b' } };
    expect(() => resolvedAuthToken(conflicting, {})).toThrow(ConfigError);
  });

  test('an empty token string is invalid', () => {
    const err = configErrorFrom(() => load('[worker]\nauth_token = ""'));
    expect(err.issues.map((i) => i.key)).toEqual(['worker.auth_token']);
  });

  test('enable_auth = true needs a token from the file or SWARM_AUTH_TOKEN', () => {
    const err = configErrorFrom(() => load('[security]\nenable_auth = true'));
    expect(err.issues.map((i) => i.key)).toEqual(['security.enable_auth']);
    expect(err.message).toContain('SWARM_AUTH_TOKEN');
    expect(load('[security]\nenable_auth = true', { SWARM_AUTH_TOKEN: 'x' }).config.security.enable_auth).toBe(true);
    expect(load('[security]\nenable_auth = true\napi_key = "k"').config.security.enable_auth).toBe(true);
  });
});
