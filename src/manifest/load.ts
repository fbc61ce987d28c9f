import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ManifestError } from '../errors.ts';
import { formatFromPath } from './format.ts';
import { parseManifest } from './parse.ts';
import type { ManifestDefaults } from './defaults.ts';
import type { LoadedManifest } from './types.ts';

/**
 * Reads and validates a manifest file. The format comes from the extension (.yaml, .yml,
 * .toml), else from the text. Issues name the file as given; `path` in the result is absolute.
 * A file that cannot be read is a ManifestError too.
 */
export function loadManifestFile(path: string, options: { defaults?: ManifestDefaults } = {}): LoadedManifest {
  const absolutePath = resolve(path);
  let source: string;
  try {
    source = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    // A relative path is read from the working directory, which is not always the one the user thinks of.
    const where = absolutePath === path ? '' : ` (looked for ${absolutePath})`;
    throw new ManifestError([{ file: path, message: `cannot read the manifest file: ${describeReadError(error)}${where}` }]);
  }
  const format = formatFromPath(path);
  const loaded = parseManifest(source, {
    file: path,
    ...(format !== undefined && { format }),
    ...(options.defaults !== undefined && { defaults: options.defaults }),
  });
  return { ...loaded, path: absolutePath };
}

function describeReadError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
