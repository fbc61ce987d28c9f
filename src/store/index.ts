/**
 * The swarm's storage: the SwarmStore contract, its SQLite implementation (the default), its
 * PostgreSQL one (a server shared by several processes; src/store/postgres/) and an in-memory one
 * (tests, throwaway runs).
 *
 * `openStore(location)` returns a PostgresStore for a postgres:// or postgresql:// URL, else a
 * SqliteStore — ':memory:' included, which gives a private in-memory SQLite database with exactly
 * the production code path. MemoryStore is never chosen by location; construct it explicitly
 * with `new MemoryStore()` when SQLite is not wanted.
 */
import type { DispatcherConfig } from '../config/schema.ts';
import { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.ts';
import { isPostgresUrl } from './postgres/url.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { SwarmStore } from './types.ts';

export * from './types.ts';
export { SqliteStore } from './sqlite-store.ts';
export { MemoryStore } from './memory-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.ts';
export { PostgresUnavailableError, PostgresQueryError } from './postgres/errors.ts';
export { isPostgresUrl, redactUrl } from './postgres/url.ts';
export { DispatcherGaveUpError, RunFencedError, TaskNotFoundError, isTransientStoreFailure, storeWriteError } from './store-errors.ts';
export * from './run-lease.ts';
export { LATEST_SCHEMA_VERSION } from './migrations.ts';
export { BUSY_TIMEOUT_MS } from './sqlite-connection.ts';

/**
 * Opens (creating if needed) the state database at `location`: a PostgreSQL URL (`options`
 * apply to it), else a SQLite path or ':memory:'.
 */
export function openStore(location: string, options: PostgresStoreOptions = {}): SwarmStore {
  return isPostgresUrl(location) ? new PostgresStore(location, options) : new SqliteStore(location);
}

/** Where the config keeps its state: `state_db_url` when set (it wins), else `state_db_path`. */
export function configuredStoreLocation(dispatcher: Pick<DispatcherConfig, 'state_db_path' | 'state_db_url'>): string {
  return dispatcher.state_db_url ?? dispatcher.state_db_path;
}

/** Opens the store the `[dispatcher]` section names, with its pool size and statement timeout. */
export function openConfiguredStore(
  dispatcher: Pick<DispatcherConfig, 'state_db_path' | 'state_db_url' | 'db_pool_size' | 'db_statement_timeout'>,
): SwarmStore {
  return openStore(configuredStoreLocation(dispatcher), {
    poolSize: dispatcher.db_pool_size,
    statementTimeoutMs: dispatcher.db_statement_timeout,
  });
}
