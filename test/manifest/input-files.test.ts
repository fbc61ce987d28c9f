import { afterAll, describe, expect, test } from 'bun:test';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { ConfigError, ManifestError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { loadManifestFile, MAX_MANIFEST_BYTES } from '../../src/manifest/load.ts';
import { issuesOf } from './helpers.ts';

/**
 * Files a user names that are not manifest text (found from outside: /dev/zero grew the
 * process to 2.4 GB, a named pipe waited forever, Latin-1 bytes became U+FFFD in stored values).
 */
const dir = mkdtempSync(join(tmpdir(), 'swarm-input-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function manifestError(path: string): string {
  try {
    loadManifestFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues.map((i) => i.message).join('\n');
  }
  throw new Error(`${path} was read as a valid manifest`);
}

describe('input files that are not manifest text', () => {
  test('a device or a named pipe is refused at once, not read forever', () => {
    expect(manifestError('/dev/zero')).toContain('not a regular file');
    const fifo = join(dir, 'pipe.yaml');
    expect(Bun.spawnSync(['mkfifo', fifo]).exitCode).toBe(0);
    expect(manifestError(fifo)).toContain('not a regular file');
  });

  test('a file bigger than the limit is refused before it is read', () => {
    const big = join(dir, 'big.yaml');
    closeSync(openSync(big, 'w'));
    truncateSync(big, MAX_MANIFEST_BYTES + 1); // sparse: no disk used
    expect(manifestError(big)).toContain('more than the 256 MiB');
  });

  test('bytes that are not UTF-8 are named with their line and column; UTF-16 is named as such', () => {
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.concat([Buffer.from('name: enc\nsymbols:\n  - name: a\n    type: action\n    parameters: {operation: echo, message: "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    expect(manifestError(latin1)).toContain('byte 0xE9 at line 5, column 48');
    const utf16 = join(dir, 'utf16.yaml');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]));
    expect(manifestError(utf16)).toContain('UTF-16');
    // A UTF-8 byte order mark is not counted as a column.
    const marked = join(dir, 'marked.yaml');
    writeFileSync(marked, Buffer.concat([Buffer.from('\ufeffname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(manifestError(marked)).toContain('byte 0xE9 at line 1, column 10');
    // UTF-8 itself, with or without a byte order mark, reads as before.
    const fine = join(dir, 'fine.yaml');
    writeFileSync(fine, '\ufeffname: café\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n');
    expect(loadManifestFile(fine).manifest.name).toBe('café');
  });

  test('a UTF-8 byte order mark is no column: line 1 is placed the same with and without it (YAML, TOML, a config)', () => {
    const places = (text: string, name: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      try {
        loadManifestFile(file);
      } catch (error) {
        return (error as ManifestError).issues.map((i) => `${i.line}:${i.column}`);
      }
      throw new Error(`${name} was read as a valid manifest`);
    };
    const yaml = 'name: [1]\nsymbols:\n  - {name: x, type: action, parameters: {operation: noop}}\n';
    expect(places(`\ufeff${yaml}`, 'bom.yaml')).toEqual(['1:7']);
    expect(places(yaml, 'plain.yaml')).toEqual(['1:7']);
    const toml = 'name = [1]\n[[symbols]]\nname = "x"\ntype = "action"\nparameters = { operation = "noop" }\n';
    expect(places(`\ufeff${toml}`, 'bom.toml')).toEqual(places(toml, 'plain.toml'));
    expect(places('\ufeffname = [1\n', 'bom-syntax.toml')).toEqual(places('name = [1\n', 'plain-syntax.toml'));
    // Text given as it is (a manifest posted to the dispatcher), not read from a file.
    expect(issuesOf(() => parseManifest(`\ufeff${yaml}`, { format: 'yaml' })).map((i) => `${i.line}:${i.column}`)).toEqual(['1:7']);
    const config = join(dir, 'bom-config.toml');
    writeFileSync(config, '\ufeff[dispatcher\n');
    expect(() => loadConfig(config)).toThrow(/line 1, column 12/);
  });

  test('a config file gets the same checks', () => {
    const config = join(dir, 'bad.toml');
    writeFileSync(config, Buffer.concat([Buffer.from('[dispatcher]\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(() => loadConfig(config)).toThrow(ConfigError);
    expect(() => loadConfig(config)).toThrow(/not UTF-8 text: byte 0xE9 at line 2, column 6/);
    expect(() => loadConfig(dir)).toThrow(/it is a directory/);
  });
});
