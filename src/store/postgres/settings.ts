/**
 * The PostgreSQL store's tunables and their defaults, in one place for the store and the config
 * schema ([dispatcher] db_pool_size, db_statement_timeout).
 */

/**
 * Connections in the worker's pool. Calls through the bridge are one at a time, so one
 * connection serves a store; a few more cost nothing until used (Bun opens them on demand).
 */
export const DEFAULT_POOL_SIZE = 4;

/**
 * The server cancels any one statement (a commit included: it is one statement) that runs or
 * waits for a lock longer than this; connecting is bounded by it too. Like SQLite's busy
 * timeout, but larger: a commit that waits this long blocks the dispatcher's thread meanwhile,
 * and a 100,000-task createRun is one statement of about a second.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;

/**
 * How long a dispatcher keeps retrying an unreachable server before it gives its runs up: five
 * minutes rides out a restart, a failover or a short network cut, while a dispatcher left
 * without its database for longer says so for good (exit 3, /health 503) instead of seeming
 * to work. Its runs' leases have long expired by then, so other dispatchers have them.
 */
export const DEFAULT_OUTAGE_TIMEOUT_MS = 300_000;

/**
 * What the bridge adds to the statement timeout before it gives up on the worker: room for the
 * connection, the transfer and the server's own cancellation to be reported first, since the
 * server's error says more than "no answer".
 */
export const BRIDGE_MARGIN_MS = 5_000;

/** A schema name the store may create and quote: a plain lower-case SQL identifier. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(`Invalid schema name ${JSON.stringify(schema)}; expected lower-case letters, digits and _ (at most 63)`);
  }
  return schema;
}
