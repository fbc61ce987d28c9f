import { extname } from 'node:path';
import type { ManifestFormat } from './types.ts';

/** The format a file name implies (.yaml, .yml, .toml), or undefined for anything else. */
export function formatFromPath(path: string): ManifestFormat | undefined {
  switch (extname(path).toLowerCase()) {
    case '.yaml':
    case '.yml':
      return 'yaml';
    case '.toml':
      return 'toml';
    default:
      return undefined;
  }
}

const TOML_TABLE_HEADER = /^\[\[?\s*[\w"'.\s-]+\]\]?\s*(#.*)?$/;
const TOML_KEY_VALUE = /^[\w"'.\s-]+=/;

/**
 * Guesses the format from the first line that is not blank or a comment: a TOML table header
 * or `key = value` means TOML; anything else (`key: value`, `---`, ...) is read as YAML.
 */
export function sniffFormat(source: string): ManifestFormat {
  for (const rawLine of source.split('\n')) {
    const line = rawLine.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    return TOML_TABLE_HEADER.test(line) || TOML_KEY_VALUE.test(line) ? 'toml' : 'yaml';
  }
  return 'yaml';
}
