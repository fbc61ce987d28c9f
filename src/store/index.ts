/**
 * The swarm's storage: the SwarmStore contract, its SQLite implementation (the real one) and an
 * in-memory one (tests, throwaway runs).
 *
 * `openStore(location)` always returns a SqliteStore — ':memory:' included, which gives a private
 * in-memory SQLite database with exactly the production code path. MemoryStore is never chosen
 * by location; construct it explicitly with `new MemoryStore()` when SQLite is not wanted.
 */
import { SqliteStore } from './sqlite-store.ts';
import type { SwarmStore } from './types.ts';

export * from './types.ts';
export { SqliteStore } from './sqlite-store.ts';
export { MemoryStore } from './memory-store.ts';
export { TaskNotFoundError, storeWriteError } from './store-errors.ts';
export { LATEST_SCHEMA_VERSION } from './migrations.ts';
export { BUSY_TIMEOUT_MS } from './sqlite-connection.ts';

/** Opens (creating if needed) the SQLite state database at `location` (a path or ':memory:'). */
export function openStore(location: string): SwarmStore {
  return new SqliteStore(location);
}
