import { UsageError } from './errors.ts';
import { checkStateKey } from './state-keys.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { RunListing, RunRecord, RunStatus, SwarmStore } from './store/types.ts';

export type { RunListing, RunRecord, RunStatus, SwarmStore } from './store/types.ts';

/**
 * The public handle on the swarm's state database (`@wp-praxis/swarm/state-manager`): the shared
 * key-value `state` table, the run history, and cleanup of old runs.
 *
 * ```ts
 * const state = new StateManager('./swarm-state.db');
 * state.set('deploy:last', { at: Date.now() });
 * state.cleanup(7 * 24 * 3600_000); // forget finished runs older than a week
 * state.close();
 * ```
 *
 * Values are JSON: they come back as JSON would return them (`undefined` is stored as `null`).
 * The file may be open in a running dispatcher at the same time.
 */
export class StateManager {
  readonly #store: SqliteStore;

  /** Opens (creating if needed) the SQLite database at `dbPath`; throws StoreUnavailableError if it can't. */
  constructor(dbPath: string) {
    this.#store = new SqliteStore(dbPath);
  }

  /** The underlying store, for everything this class doesn't wrap (tasks, journal, nodes). */
  get store(): SwarmStore {
    return this.#store;
  }

  /** The value stored under `key`, or `undefined` if there is none. Keys are non-empty strings (else StateCallError). */
  get(key: string): unknown {
    checkStateKey('StateManager.get', key);
    return this.#store.stateGet(key);
  }

  /** Stores a JSON value under `key`, replacing any previous one. */
  set(key: string, value: unknown): void {
    checkStateKey('StateManager.set', key);
    this.#store.stateSet(key, value);
  }

  /** Removes `key`; true if it existed. */
  delete(key: string): boolean {
    checkStateKey('StateManager.delete', key);
    return this.#store.stateDelete(key);
  }

  /** Runs, newest first, without their manifests (getRun has them); optionally only some statuses, at most `limit`. */
  listRuns(options?: { limit?: number; status?: RunStatus[] }): RunListing[] {
    return this.#store.listRuns(options);
  }

  getRun(id: string): RunRecord | undefined {
    return this.#store.getRun(id);
  }

  /**
   * Deletes finished (succeeded, failed, cancelled) runs created more than `olderThanMs` before
   * `now`, with their tasks and journal; running and paused runs are always kept. Returns how
   * many runs were deleted.
   */
  cleanup(olderThanMs: number, now: number = Date.now()): number {
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw new UsageError(`cleanup(olderThanMs): expected a non-negative number of milliseconds, got ${olderThanMs}`);
    }
    return this.#store.deleteFinishedRunsBefore(now - olderThanMs);
  }

  /** Closes the database; idempotent. */
  close(): void {
    this.#store.close();
  }
}
