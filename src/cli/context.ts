import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type SwarmConfig } from '../config/index.ts';
import { RunNotFoundError, StoreUnavailableError, UsageError } from '../errors.ts';
import { configuredStoreLocation, isPostgresUrl, openConfiguredStore, type RunRecord, type SwarmStore } from '../store/index.ts';
import type { WarnOnlyConsole } from './console-log.ts';
import { rememberConfigFile } from './config-source.ts';
import { onExit, onExitFlushLog } from './exit.ts';
import { note } from './output.ts';
import { resolveRunRef } from '../run-ref.ts';

/** What the commands that read a config share: config loading, logging setup, the store, run ids. */

export interface CliConfigOptions {
  /**
   * --db: overrides the configured store. A path (relative to the current directory) or
   * ":memory:" replaces `state_db_path` and drops `state_db_url` (so it is used); a
   * postgres:// URL replaces `state_db_url` (and SWARM_DATABASE_URL).
   */
  db?: string;
  /**
   * Whether `[logging] file` is opened. Only commands that do work (`run`) log to the file;
   * the read-only ones (`runs`, `show`, `history`) have nothing worth a log line and should not
   * leave a swarm.log behind wherever they are started.
   */
  logFile?: boolean;
  /**
   * Console logging at `warn` and above only, through a WarnOnlyConsole (returned, so `run`
   * can route it around its progress bar); the file still gets `[logging] level`.
   */
  warnOnlyConsole?: boolean;
  /**
   * False for commands that only read the store and print (runs, show, history, watch, prune):
   * nothing of theirs logs, so the logger is not even loaded, which keeps them quick to start.
   */
  logs?: boolean;
}

export interface CliConfig {
  config: SwarmConfig;
  /** Set when `warnOnlyConsole` was asked for and console logging is on. */
  console?: WarnOnlyConsole;
}

/**
 * Loads the config (explicit path > $SWARM_CONFIG > ./swarm-config.toml > defaults, which is
 * loadConfig's own order), prints its warnings on stderr, applies --db and configures the logger
 * from `[logging]`. Console logs always go to stderr. Throws ConfigError (exit 2).
 */
export async function loadCliConfig(path: string | undefined, options: CliConfigOptions = {}): Promise<CliConfig> {
  const { config, warnings, file } = loadConfig(path, { databaseGiven: options.db !== undefined });
  rememberConfigFile(file);
  for (const warning of warnings) await note(`warning: ${warning}`);
  if (options.db !== undefined) {
    if (options.db.trim() === '') throw new UsageError('--db needs a path, ":memory:" or a postgres:// URL.');
    if (isPostgresUrl(options.db)) {
      config.dispatcher.state_db_url = options.db.trim();
    } else {
      config.dispatcher.state_db_path = options.db === ':memory:' ? options.db : resolve(options.db);
      delete config.dispatcher.state_db_url;
    }
  }
  if (options.logs === false) return { config };
  const [{ Logger }, { WarnOnlyConsole }] = await Promise.all([import('../logger.ts'), import('./console-log.ts')]);
  const { logging } = config;
  const console = options.warnOnlyConsole && logging.console ? new WarnOnlyConsole(logging.format) : undefined;
  onExitFlushLog(() => Logger.flush());
  Logger.configure({
    level: logging.level,
    console: logging.console,
    file: options.logFile ? logging.file : '',
    // WarnOnlyConsole receives JSON lines and formats them itself.
    format: console ? 'json' : logging.format,
    ...(console ? { consoleStream: console } : {}),
  });
  return { config, ...(console ? { console } : {}) };
}

/**
 * Opens an existing state database for reading commands and closes it on exit: the one
 * `[dispatcher] state_db_url` names (PostgreSQL), else the file `state_db_path` names. A missing
 * file is an error rather than a new empty database, so a mistyped --db says so. Throws
 * StoreUnavailableError or PostgresUnavailableError (exit 3).
 */
export function openCliStore(config: SwarmConfig): SwarmStore {
  const path = configuredStoreLocation(config.dispatcher);
  if (!isStoredElsewhere(path) && !existsSync(path)) {
    throw new StoreUnavailableError(
      path,
      new Error('there is no such file; run a workflow first (`swarm run`) or point --db at an existing database'),
    );
  }
  const store = openConfiguredStore(config.dispatcher);
  onExit(() => store.close());
  return store;
}

/**
 * The run a user means: an exact run id, else the one run whose id starts with `ref`.
 * No match is a RunNotFoundError, several are a UsageError listing them (both exit 2).
 */
export function resolveRun(store: SwarmStore, ref: string): RunRecord {
  const id = resolveRunRef(store, ref);
  return store.getRun(id) ?? failNotFound(ref);
}

function failNotFound(ref: string): never {
  throw new RunNotFoundError(ref);
}

/** The full id of the run `ref` names (see resolveRun), read from the config's database. */
export function resolveRunId(config: SwarmConfig, ref: string): string {
  const path = configuredStoreLocation(config.dispatcher);
  if (!isStoredElsewhere(path) && !existsSync(path)) throw new RunNotFoundError(ref);
  const store = openConfiguredStore(config.dispatcher);
  try {
    return resolveRun(store, ref).id;
  } finally {
    store.close();
  }
}

/** A location that is not a file to check for: in memory, or a PostgreSQL server. */
function isStoredElsewhere(location: string): boolean {
  return location === ':memory:' || isPostgresUrl(location);
}

/** Parses a non-negative integer option such as --limit. */
export function parseCount(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${option} expects a whole number of 0 or more (got "${value}").`);
  }
  return n;
}

/** For commands about one stored run (`show`, `history`): the config, the store and the run `ref` names. */
export async function openStoredRun(
  ref: string,
  configPath: string | undefined,
  db: string | undefined,
): Promise<{ config: SwarmConfig; store: SwarmStore; run: RunRecord }> {
  const { config } = await loadCliConfig(configPath, { db, logs: false });
  const store = openCliStore(config);
  return { config, store, run: resolveRun(store, ref) };
}
