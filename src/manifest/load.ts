import { readTextFile, TextFileError } from '../text-file.ts';
import { resolve } from 'node:path';
import { ManifestError } from '../errors.ts';
import { formatFromPath } from './format.ts';
import { parseManifest } from './parse.ts';
import type { ManifestDefaults } from './defaults.ts';
import type { LoadedManifest } from './types.ts';

/**
 * The biggest manifest file read: a million symbols written out one field a line are ~75 MB,
 * and validating a file takes several times its size in memory.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/**
 * Reads and validates a manifest file. The format comes from the extension (.yaml, .yml,
 * .toml), else from the text. Issues name the file as given; `path` in the result is absolute.
 * A file that cannot be read is a ManifestError too.
 */
export function loadManifestFile(path: string, options: { defaults?: ManifestDefaults } = {}): LoadedManifest {
  const absolutePath = resolve(path);
  let source: string;
  try {
    source = readTextFile(absolutePath, MAX_MANIFEST_BYTES);
  } catch (error) {
    // A relative path is read from the working directory, which is not always the one the user thinks of.
    const where = absolutePath === path ? '' : ` (looked for ${absolutePath})`;
    const why = error instanceof TextFileError ? error.message : String(error);
    throw new ManifestError([{ file: path, message: `cannot read the manifest file: ${why}${where}` }]);
  }
  const format = formatFromPath(path);
  const loaded = parseManifest(source, {
    file: path,
    ...(format !== undefined && { format }),
    ...(options.defaults !== undefined && { defaults: options.defaults }),
  });
  return { ...loaded, path: absolutePath };
}

