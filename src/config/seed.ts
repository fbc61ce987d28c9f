import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { brokenLink, describePathError, pathCode } from '../path-problems.ts';
import { DEFAULT_CONFIG_FILE } from './load.ts';

/** The commented default config at the repository root; the one file both people and tests read. */
const SEED_URL = new URL('../../swarm-config.toml', import.meta.url);

/** The text of the fully commented default config (swarm-config.toml). */
export function defaultConfigText(): string {
  return readFileSync(SEED_URL, 'utf8');
}

/**
 * Writes the commented default config to `outputPath`, in a directory that exists. Refuses to
 * replace an existing file unless `force` is set. Returns the absolute path written. A path
 * that cannot be written is a UsageError saying why in words (see path-problems.ts).
 */
export function writeDefaultConfig(outputPath: string, options: { force?: boolean } = {}): string {
  const file = resolve(outputPath);
  refuseUnusableLink(file, options.force === true);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new UsageError(`${file} is a directory; give a file path, such as ${join(file, DEFAULT_CONFIG_FILE)}.`);
  }
  refuseMissingDirectory(file);
  try {
    // 'wx' fails if the file exists, so the check and the write cannot race.
    writeFileSync(file, defaultConfigText(), { flag: options.force ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new UsageError(`${file} already exists; pass --force to overwrite it, or choose another output path.`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UsageError(`${file} cannot be written here (${code}); choose another output path.`);
    throw new UsageError(`Cannot write ${file}: ${describePathError(err, file)}; choose another output path.`);
  }
  return file;
}

/**
 * A symbolic link at `file` that leads nowhere is no file to overwrite: "already exists; pass
 * --force" would send the user in circles. A broken one is named with its target (--force
 * writes through it); a loop is refused even with --force.
 */
function refuseUnusableLink(file: string, force: boolean): void {
  const code = pathCode(file);
  if (code === null) return;
  const link = brokenLink(file);
  if (link && !force) {
    throw new UsageError(
      `${file} ${describePathError({ code }, file).replace(/^it /, '')}; write the config there with \`swarm config ${link.missing}\` ` +
        '(or pass --force to write it through the link), or remove the link.',
    );
  }
  if (code === 'ELOOP') {
    throw new UsageError(`${file} ${describePathError({ code }, file).replace(/^it /, '')}; remove the link or choose another output path.`);
  }
}

/**
 * The directory `file` goes in must exist: directories are not made for it, as a mistyped path
 * would otherwise leave new directories wherever it points (as root, even at the file system's root).
 */
function refuseMissingDirectory(file: string): void {
  const directory = dirname(file);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`Cannot write ${file}: the directory ${directory} does not exist; create it first, or choose another output path.`);
    }
    throw new UsageError(`Cannot write ${file}: ${describePathError(err, file)}; choose another output path.`);
  }
  if (!isDirectory) throw new UsageError(`Cannot write ${file}: ${describePathError({ code: 'ENOTDIR' }, file)}; choose another output path.`);
}
