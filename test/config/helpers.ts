import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../src/errors.ts';

const made: string[] = [];

/**
 * Removes the temp directories made so far. Every test file registers it with
 * `afterEach(removeTempDirs)` itself: a hook registered here, at import, would only apply to
 * the first test file that imports this module (bun evaluates it once per process).
 */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh temp directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-config-test-'));
  made.push(dir);
  return dir;
}

/** Writes `text` at `dir/relative` (creating folders) and returns the full path. */
export function writeFile(dir: string, relative: string, text: string): string {
  const file = join(dir, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Runs `fn`, expecting a ConfigError, and returns it. */
export function configErrorFrom(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
