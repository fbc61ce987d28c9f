import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { MAX_JSON_DEPTH, jsonProblem } from '../json-limits.ts';
import { configSchema, type SwarmConfig } from './schema.ts';
import { unknownKeyWarnings } from './unknown-keys.ts';

/** "security.allowed_hosts[1]" from zod's ["security", "allowed_hosts", 1]. */
function keyOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((key, part) => {
    if (typeof part === 'number') return `${key}[${part}]`;
    return key === '' ? String(part) : `${key}.${String(part)}`;
  }, '');
}

/** "scheme://user:" and what follows up to "@": the password of a URL written in a value. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)[^/\s"]*@/gi;

/** The offending value, for the message; only for issues about one value (not cross-key rules). */
function gotSuffix(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom' || issue.input === undefined) return '';
  // validateConfig has refused what JSON.stringify cannot write (too deep, BigInt).
  // A URL's password is never echoed (a mistyped state_db_url would otherwise print it).
  // JSON would write an infinite number (TOML's inf, or 1e309) as null.
  const input = issue.input;
  const written = typeof input === 'number' && !Number.isFinite(input) ? `${input}, which is not a finite number` : (JSON.stringify(input) ?? String(input));
  const shown = written.replace(URL_PASSWORD, '$1***@');
  return ` (got ${shown.length > 60 ? shown.slice(0, 57) + '...' : shown})`;
}

function toConfigIssue(issue: z.core.$ZodIssue, file: string | undefined): ConfigIssue {
  const key = keyOf(issue.path) || '(whole file)';
  return {
    ...(file !== undefined ? { file } : {}),
    key,
    message: (notATable(issue, key) ?? issue.message) + gotSuffix(issue),
  };
}

/**
 * A section (or a table in one) written as something else: said in TOML's words, where zod's
 * own would read "Invalid input: expected object, received array". `[[x]]` makes a list of
 * tables, the usual slip.
 */
function notATable(issue: z.core.$ZodIssue, key: string): string | undefined {
  if (issue.code !== 'invalid_type' || issue.expected !== 'object') return undefined;
  const input = issue.input;
  const tables = Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item));
  return `expected a table ([${key}] and its keys)` + (tables ? `, got an array of tables; write [${key}], not [[${key}]]` : '');
}

/**
 * Validates a parsed config document (e.g. the output of a TOML parser) and fills in defaults.
 * Throws ConfigError listing every invalid key at once; unknown keys come back as warnings.
 * Paths are left as written (see resolveConfigPaths).
 */
export function validateConfig(raw: unknown, file?: string): { config: SwarmConfig; warnings: string[] } {
  const unusable = jsonProblem(raw, MAX_JSON_DEPTH);
  if (unusable) {
    // Only dotted keys (a.b.c = 1) nest this deep in TOML; the key is shown cut short.
    const shown = unusable.segments.slice(0, 4);
    const key = keyOf(shown) + (unusable.segments.length > shown.length ? '.…' : '');
    const message = unusable.reason === 'depth' ? `nests keys deeper than ${MAX_JSON_DEPTH} levels; no config key is deeper than 3` : unusable.message;
    throw new ConfigError([{ ...(file !== undefined ? { file } : {}), key: key || '(whole file)', message }]);
  }
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => toConfigIssue(issue, file)));
  return { config: result.data, warnings: unknownKeyWarnings(configSchema, raw, file ?? 'the config given in code') };
}
