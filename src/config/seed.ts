import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { DEFAULT_CONFIG_FILE } from './load.ts';

/** The commented default config at the repository root; the one file both people and tests read. */
const SEED_URL = new URL('../../swarm-config.toml', import.meta.url);

/** The text of the fully commented default config (swarm-config.toml). */
export function defaultConfigText(): string {
  return readFileSync(SEED_URL, 'utf8');
}

/**
 * Writes the commented default config to `outputPath`, creating parent directories. Refuses to
 * replace an existing file unless `force` is set. Returns the absolute path written.
 */
export function writeDefaultConfig(outputPath: string, options: { force?: boolean } = {}): string {
  const file = resolve(outputPath);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new UsageError(`${file} is a directory; give a file path, such as ${join(file, DEFAULT_CONFIG_FILE)}.`);
  }
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 'wx' fails if the file exists, so the check and the write cannot race.
    writeFileSync(file, defaultConfigText(), { flag: options.force ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new UsageError(`${file} already exists; pass --force to overwrite it, or choose another output path.`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UsageError(`${file} cannot be written here (${code}); choose another output path.`);
    throw err;
  }
  return file;
}
