import { existsSync, lstatSync } from 'node:fs';
import { brokenLink, describePathError, pathCode } from '../path-problems.ts';
import { readTextFile } from '../text-file.ts';
import { dirname, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.ts';
import { MAX_JSON_DEPTH } from '../json-limits.ts';
import { resolveConfigPaths } from './paths.ts';
import { postgresUrl } from './fields.ts';
import { defaultConfig, type SwarmConfig } from './schema.ts';
import { redactUrl } from '../store/postgres/url.ts';
import { resolvedAuthToken, TOKEN_ENV_VAR } from './token.ts';
import { validateConfig } from './validate.ts';

export { defaultConfig } from './schema.ts';
export { resolvedAuthToken } from './token.ts';

export const CONFIG_ENV_VAR = 'SWARM_CONFIG';
/** Overrides `[dispatcher] state_db_url`: the PostgreSQL URL (and its password) can stay out of the file. */
export const DATABASE_URL_ENV_VAR = 'SWARM_DATABASE_URL';
export const DEFAULT_CONFIG_FILE = 'swarm-config.toml';

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Environment to read SWARM_CONFIG, SWARM_DATABASE_URL and SWARM_AUTH_TOKEN from; process.env when absent. */
  env?: Env;
  /** Directory that relative paths (and the default ./swarm-config.toml) start from; process.cwd() when absent. */
  cwd?: string;
  /** The command line names the database (--db), which wins over SWARM_DATABASE_URL: that is then not read at all. */
  databaseGiven?: boolean;
}

export interface LoadedConfig {
  config: SwarmConfig;
  /** Absolute path of the file read, or null when running on built-in defaults. */
  file: string | null;
  /** One line per unknown key or section; the caller decides where to print them. */
  warnings: string[];
}

/** The config file SWARM_CONFIG names, if any (an empty value names none). */
export function configNamedInEnvironment(env: Env = process.env): string | undefined {
  return env[CONFIG_ENV_VAR] || undefined;
}

/** Which file to read: explicit path > $SWARM_CONFIG > ./swarm-config.toml if present > none. */
function chooseConfigFile(path: string | undefined, env: Env, cwd: string): string | null {
  const named = path ?? configNamedInEnvironment(env);
  if (named !== undefined) {
    const file = resolve(cwd, named);
    const problem = unusablePath(file, named);
    if (problem !== null) {
      throw new ConfigError([
        path !== undefined
          ? { file, key: '(file)', message: `${problem.what}; ${problem.fix}` }
          : { file, key: CONFIG_ENV_VAR, message: `${problem.asNamed}; ${problem.fix}, or unset ${CONFIG_ENV_VAR}` },
      ]);
    }
    return file;
  }
  const inCwd = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!lstatExists(inCwd)) return null;
  // Something is there: a link that leads nowhere is said, not passed over for the defaults.
  const problem = unusablePath(inCwd, DEFAULT_CONFIG_FILE);
  if (problem !== null) throw new ConfigError([{ file: inCwd, key: '(file)', message: `${problem.what}; ${problem.fix}` }]);
  return inCwd;
}

/**
 * Why the config at `file` (as the user named it: `named`) cannot be read — `what`, or
 * `asNamed` for a name given in SWARM_CONFIG — and what to do, or null when it is there. Only
 * a plain missing file is worth `swarm config`; a broken link is fixed where it points.
 */
function unusablePath(file: string, named: string): { what: string; asNamed: string; fix: string } | null {
  const code = pathCode(file);
  if (code === null) return null;
  const what = describePathError({ code }, file);
  const link = code === 'ENOENT' ? brokenLink(file) : null;
  if (link) {
    return { what, asNamed: `names a file that cannot be read: ${what}`, fix: `create the config there with \`swarm config ${link.missing}\`, or point the link at a config file` };
  }
  if (code === 'ENOENT') {
    // `swarm config` makes no directory, so it is no fix for a file in one that does not exist.
    const fix = existsSync(dirname(file)) ? `fix the path or create the file with \`swarm config ${named}\`` : `fix the path (the directory ${dirname(file)} does not exist)`;
    return { what, asNamed: 'names a file that does not exist', fix };
  }
  return { what, asNamed: `names a file that cannot be read: ${what}`, fix: 'fix the path' };
}

function lstatExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** A config is a page of settings; far more is not one. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/** Reads and parses a TOML file; unreadable files and syntax errors become ConfigErrors. */
function readTomlFile(file: string): unknown {
  let text: string;
  try {
    text = readTextFile(file, MAX_CONFIG_BYTES);
  } catch (err) {
    throw new ConfigError([{ file, key: '(file)', message: `cannot read it: ${(err as Error).message}` }]);
  }
  try {
    // maxDepth bounds nested arrays and inline tables (deep dotted keys: see validateConfig).
    return parseToml(text, { maxDepth: MAX_JSON_DEPTH });
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const first = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    const reason = /excessively nested/.test(first) ? `values are nested deeper than ${MAX_JSON_DEPTH} levels` : first;
    // Lines of the excerpt cut short: one line of a config can be a megabyte.
    const excerpt = err.codeblock.trimEnd().replace(/^(.{160}).+$/gm, '$1…').replace(/^/gm, '    ');
    throw new ConfigError([
      { file, key: `line ${err.line}, column ${err.column}`, message: `invalid TOML: ${reason}\n${excerpt}` },
    ]);
  }
}

/**
 * `SWARM_DATABASE_URL`, when set and non-empty, replaces `[dispatcher] state_db_url` (and so
 * wins over state_db_path). Validated as the key is; the error shows it without its password.
 */
function applyDatabaseUrlFromEnv(config: SwarmConfig, env: Env): void {
  const url = env[DATABASE_URL_ENV_VAR];
  if (url === undefined || url.trim() === '') return;
  const parsed = postgresUrl().safeParse(url.trim());
  if (!parsed.success) {
    throw new ConfigError([
      {
        env: DATABASE_URL_ENV_VAR,
        key: DATABASE_URL_ENV_VAR,
        message: `${parsed.error.issues[0].message} (got "${redactUrl(url.trim())}"); fix it or unset ${DATABASE_URL_ENV_VAR}`,
      },
    ]);
  }
  config.dispatcher.state_db_url = parsed.data;
}

/**
 * Loads the swarm config: picks the file (explicit `path` > $SWARM_CONFIG > ./swarm-config.toml
 * in `cwd` if it exists > built-in defaults), validates it, fills in defaults and makes relative
 * paths absolute against the file's directory (or `cwd` without a file); `SWARM_DATABASE_URL`
 * replaces [dispatcher] state_db_url. Throws ConfigError for
 * a missing named file, a TOML syntax error, invalid values (all listed), two differing shared
 * tokens, or `[security] enable_auth = true` with no token anywhere.
 */
export function loadConfig(path?: string, options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = chooseConfigFile(path, env, cwd);
  const { config, warnings } =
    file === null ? { config: defaultConfig(), warnings: [] } : validateConfig(readTomlFile(file), file);
  if (config.security.enable_auth && resolvedAuthToken(config, env) === undefined) {
    throw new ConfigError([
      {
        ...(file !== null ? { file } : {}),
        key: 'security.enable_auth',
        message: `is true but no shared token is set; set [dispatcher] auth_token (or [worker] auth_token, [security] api_key) or the ${TOKEN_ENV_VAR} environment variable`,
      },
    ]);
  }
  if (!options.databaseGiven) applyDatabaseUrlFromEnv(config, env);
  return { config: resolveConfigPaths(config, file === null ? cwd : dirname(file)), file, warnings };
}
