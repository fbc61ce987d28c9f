import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../../src/errors.ts';
import { configSchema, defaultConfig } from '../../src/config/schema.ts';
import { defaultConfigText, writeDefaultConfig } from '../../src/config/seed.ts';
import { knownKeyPaths } from '../../src/config/unknown-keys.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { tempDir, removeTempDirs } from './helpers.ts';

afterEach(removeTempDirs);

describe('the seed file (swarm-config.toml)', () => {
  test('parses to exactly the built-in defaults, with no warnings', () => {
    // local_workers is commented out in the seed, so both sides take this machine's CPU count.
    const { config, warnings } = validateConfig(parseToml(defaultConfigText()), 'swarm-config.toml');
    expect(config).toStrictEqual(defaultConfig());
    expect(config.dispatcher.local_workers).toBe(Math.min(availableParallelism(), 256));
    expect(warnings).toEqual([]);
  });

  test('mentions every key the schema knows in its section, set or as a commented-out example', () => {
    const mentioned = keysMentioned(defaultConfigText());
    const known = knownKeyPaths(configSchema);
    expect(known.filter((path) => !mentioned.has(path))).toEqual([]);
    // And the reverse, so a commented-out example cannot carry a misspelt key.
    expect([...mentioned].filter((path) => !known.includes(path))).toEqual([]);
  });

  test('local_workers, uncommented, is honoured', () => {
    const text = defaultConfigText().replace(/^# local_workers = 4$/m, 'local_workers = 7');
    expect(text).toContain('local_workers = 7');
    expect(validateConfig(parseToml(text)).config.dispatcher.local_workers).toBe(7);
  });

  test('defaultConfig() is the schema applied to nothing', () => {
    expect(defaultConfig()).toStrictEqual(configSchema.parse({}));
  });
});

describe('writeDefaultConfig', () => {
  test('writes the seed text', () => {
    const out = join(tempDir(), 'swarm-config.toml');
    expect(writeDefaultConfig(out)).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe(defaultConfigText());
  });

  test('makes no directory: a path whose directory does not exist is refused, saying so', () => {
    const root = tempDir();
    const out = join(root, 'nested', 'dir', 'swarm-config.toml');
    expect(() => writeDefaultConfig(out)).toThrow(`Cannot write ${out}: the directory ${join(root, 'nested', 'dir')} does not exist; create it first`);
    expect(existsSync(join(root, 'nested'))).toBe(false);
  });

  test('refuses to overwrite an existing file and says to pass --force', () => {
    const out = join(tempDir(), 'swarm-config.toml');
    writeFileSync(out, 'mine = true\n');
    expect(() => writeDefaultConfig(out)).toThrow(UsageError);
    expect(() => writeDefaultConfig(out)).toThrow(/--force/);
    expect(readFileSync(out, 'utf8')).toBe('mine = true\n');
  });

  test('a directory given as the file is refused, even with force, naming a file to give instead', () => {
    const dir = tempDir();
    for (const force of [false, true]) {
      expect(() => writeDefaultConfig(dir, { force })).toThrow(`${dir} is a directory; give a file path, such as ${join(dir, 'swarm-config.toml')}.`);
    }
  });

  test('overwrites with force', () => {
    const out = join(tempDir(), 'swarm-config.toml');
    writeFileSync(out, 'mine = true\n');
    writeDefaultConfig(out, { force: true });
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe(defaultConfigText());
  });
});

/** "section.key" for every `key = ...` and `# key = ...` line, by the [section] header above it. */
function keysMentioned(text: string): Set<string> {
  const keys = new Set<string>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[([a-z_.]+)\]$/.exec(line);
    if (header) section = header[1];
    const key = /^(?:# ?)?([a-z_]+) = /.exec(line);
    if (key) keys.add(`${section}.${key[1]}`);
  }
  return keys;
}
