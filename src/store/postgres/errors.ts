import { RunNotFoundError, SwarmError } from '../../errors.ts';
import { NotAStateDatabaseError, TaskNotFoundError } from '../store-errors.ts';
import type { WireError } from './protocol.ts';

/**
 * The PostgreSQL store's errors. Which failures mean "the store is unavailable" (exit 3, every
 * active run stopped, as for a SQLite write failure) and which are about one statement, and how
 * an error crosses from the worker thread back to the caller as the same classes SQLite's
 * store throws (RunNotFoundError, TaskNotFoundError, SwarmError('STORE_SCHEMA')).
 */

export type UnavailableReason = 'timeout' | 'connection' | 'server' | 'setup';

/**
 * The server cannot be used: unreachable, refused the login, went away, or did not answer in
 * time. Code STORE_UNAVAILABLE, which `storeWriteError` passes through unchanged, so the
 * dispatcher stops its runs and the CLI exits 3 as for an unwritable SQLite file.
 */
export class PostgresUnavailableError extends SwarmError {
  override name = 'PostgresUnavailableError';
  readonly reason: UnavailableReason;
  /** The server's SQLSTATE (e.g. 57014 statement timeout, 57P01 terminated), when it sent one. */
  readonly sqlState: string | undefined;
  /**
   * Whether it may pass by itself (../store-errors.ts isTransientStoreFailure): a server that is
   * down, restarting or slow comes back; a schema it cannot create tables in does not.
   */
  readonly transient: boolean;
  constructor(location: string, reason: UnavailableReason, detail: string, options: { sqlState?: string; cause?: unknown } = {}) {
    super('STORE_UNAVAILABLE', `The PostgreSQL state database at ${location} is unavailable: ${detail}. ${NEXT_STEP[reason]}`, {
      cause: options.cause,
    });
    this.reason = reason;
    this.sqlState = options.sqlState;
    this.transient = reason !== 'setup';
  }
}

const NEXT_STEP: Record<UnavailableReason, string> = {
  timeout:
    'Check that the server is up and not overloaded, and what holds locks (pg_stat_activity); ' +
    'raise [dispatcher] db_statement_timeout if it is only slow.',
  connection:
    'Check that the server is running and reachable at that URL ([dispatcher] state_db_url or ' +
    'SWARM_DATABASE_URL; scripts/postgres-up.sh starts a local one), then try again.',
  server: 'Check the server (its log, disk space, connection limits), then try again.',
  setup:
    'Check that the schema the URL names (search_path) exists and that its user may create tables ' +
    'there; the store creates its tables on first use.',
};

/**
 * The server refused one statement (a duplicate key, a value out of range): the store is fine
 * and the caller's data is the problem. `code` is the SQLSTATE, as SQLiteError's is its result code.
 */
export class PostgresQueryError extends Error {
  override name = 'PostgresQueryError';
  readonly code: string;
  /** The server's own words. */
  readonly serverMessage: string;
  constructor(location: string, message: string, sqlState: string | undefined) {
    super(`The PostgreSQL state database at ${location} refused a statement: ${message}`);
    this.code = sqlState ?? 'UNKNOWN';
    this.serverMessage = message;
  }
}

/**
 * SQLSTATE classes that mean the server or the connection, not the statement: 08 connection,
 * 28 login refused, 3D no such database, 53 out of resources, 57 operator intervention
 * (57014 statement timeout, 57P01 terminated by an administrator), 58 system error,
 * 40 serialization failure or deadlock (the batch may be retried whole).
 */
const UNAVAILABLE_CLASSES = new Set(['08', '28', '3D', '53', '57', '58', '40']);

/** Raised by swarm_commit (see commit-function.ts) for a patch or row naming a missing run or task. */
export const RUN_NOT_FOUND_STATE = 'SWR01';
export const TASK_NOT_FOUND_STATE = 'SWT01';

interface PgErrorLike {
  message: string;
  code?: unknown;
  errno?: unknown;
  detail?: unknown;
}

/** Worker side: any error thrown while serving a call, as a WireError. */
export function toWireError(err: unknown): WireError {
  const other = (err as { otherTables?: { schema: string; tables: string } } | null)?.otherTables;
  if (err instanceof SwarmError && other) return { kind: 'notAStateDatabase', ...other };
  if (err instanceof SwarmError && err.code === 'STORE_SCHEMA') {
    const found = (err as SwarmError & { found?: number }).found ?? 0;
    return { kind: 'schemaTooNew', found, latest: (err as SwarmError & { latest?: number }).latest ?? 0 };
  }
  if (!(err instanceof Error)) return { kind: 'query', message: String(err) };
  const e = err as PgErrorLike;
  const sqlState = typeof e.errno === 'string' ? e.errno : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (sqlState === RUN_NOT_FOUND_STATE) return { kind: 'runNotFound', runId: String(e.detail) };
  if (sqlState === TASK_NOT_FOUND_STATE) {
    const [runId, name] = JSON.parse(String(e.detail)) as [string, string];
    return { kind: 'taskNotFound', runId, name };
  }
  const wire = { message: err.message, ...(sqlState && { sqlState }), ...(code && { code }) };
  // No SQLSTATE on a PostgresError: Bun raised it itself (connection refused, closed, timed out).
  const fromBun = sqlState === undefined && code?.startsWith('ERR_POSTGRES_') === true;
  if (fromBun || (sqlState !== undefined && UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2)))) {
    return { kind: 'unavailable', ...wire };
  }
  return { kind: 'query', ...wire };
}

/** Main side: the error a WireError stands for. */
export function fromWireError(wire: WireError, location: string): Error {
  switch (wire.kind) {
    case 'runNotFound':
      return new RunNotFoundError(wire.runId);
    case 'taskNotFound':
      return new TaskNotFoundError(wire.runId, wire.name);
    case 'schemaTooNew':
      return schemaTooNewError(location, wire.found, wire.latest);
    case 'notAStateDatabase':
      return new NotAStateDatabaseError(
        `The PostgreSQL schema "${wire.schema}" at ${location}`,
        wire.tables,
        'Check [dispatcher] state_db_url (or SWARM_DATABASE_URL), or give the swarm a schema of its own (the URL\'s ?search_path=).',
      );
    case 'unavailable': {
      const timedOut = wire.sqlState === '57014' || /timeout|timed out/i.test(wire.code ?? '');
      const reason: UnavailableReason = timedOut ? 'timeout' : isConnectionFailure(wire) ? 'connection' : 'server';
      const state = wire.sqlState ? ` (SQLSTATE ${wire.sqlState})` : wire.code ? ` (${wire.code})` : '';
      return new PostgresUnavailableError(location, reason, `${wire.message}${state}`, { sqlState: wire.sqlState });
    }
    case 'query':
      return new PostgresQueryError(location, wire.message, wire.sqlState);
  }
}

function isConnectionFailure(wire: { sqlState?: string; code?: string }): boolean {
  if (wire.sqlState === undefined) return true;
  return ['08', '28', '3D'].includes(wire.sqlState.slice(0, 2)) || wire.sqlState.startsWith('57P');
}

export function schemaTooNewError(location: string, found: number, latest: number): SwarmError {
  const err = new SwarmError(
    'STORE_SCHEMA',
    `The state database at ${location} has schema version ${found}, newer than this swarm knows ` +
      `(${latest}); upgrade swarm to open it, or point [dispatcher] state_db_url at another database.`,
  );
  return Object.assign(err, { found, latest });
}
