import { SwarmError } from '../errors.ts';

/**
 * A task patch named a task its (existing) run does not have. The shared ErrorCode union has no
 * task-specific code, so this reuses RUN_NOT_FOUND: the caller referred to run state that isn't there.
 */
export class TaskNotFoundError extends SwarmError {
  override name = 'TaskNotFoundError';
  constructor(runId: string, taskName: string) {
    super('RUN_NOT_FOUND', `Run "${runId}" has no task "${taskName}"; see its tasks with \`swarm show ${runId}\`.`);
  }
}

/** Using a store after `close()`: a bug in the caller's lifecycle handling. */
export function storeClosedError(location: string): Error {
  return new Error(`The state store at ${location} is closed; open a new one to use it again.`);
}

/**
 * A write the store refused (disk full, I/O error, a lock held too long), as the error the
 * CLI maps to exit 3. Errors that already are SwarmErrors pass through unchanged.
 */
export function storeWriteError(location: string, cause: unknown): SwarmError {
  if (cause instanceof SwarmError) return cause;
  return new SwarmError(
    'STORE_UNAVAILABLE',
    `The state database at ${location} refused a write: ${cause instanceof Error ? cause.message : String(cause)}. ` +
      'Check the disk and the file (and that no other process holds a long write lock), then try again.',
    { cause },
  );
}

/** SQLite's "database is locked" (SQLITE_BUSY and its extended codes) from bun:sqlite. */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * A write that waited its whole lock wait for another connection's write lock: another process
 * holds a long write transaction (a large `swarm prune`, a tool with a transaction open). It
 * passes when that process is done, so it is transient: a dispatcher holds its runs and tries
 * again, as for a database server that went away.
 */
export class StoreLockedError extends SwarmError {
  override name = 'StoreLockedError';
  readonly transient = true;
  constructor(location: string, waitedMs: number, cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      `The state database at ${location} is locked: another process held its write lock for over ${waitedMs / 1000} s ` +
        '(a large `swarm prune`, or a program with a transaction open); try again once it is done.',
      { cause },
    );
  }
}

/**
 * Whether a store failure may pass by itself — the server went away, the connection dropped, a
 * statement timed out, another process held a SQLite file's write lock too long — so that a
 * writer may keep what it has not committed and try again. A failure says so with
 * `transient: true` (PostgresUnavailableError does, for everything but a failed setup;
 * StoreLockedError does); a SQLite write refused for a full disk or an I/O error does not.
 */
export function isTransientStoreFailure(err: unknown): boolean {
  return err instanceof SwarmError && err.code === 'STORE_UNAVAILABLE' && (err as { transient?: unknown }).transient === true;
}

/**
 * What a dispatcher that gave up its runs after a store failure answers a new run: in words a
 * client may read (no path, no library's words; the log has the cause).
 */
export class DispatcherGaveUpError extends SwarmError {
  override name = 'DispatcherGaveUpError';
  constructor(cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      isTransientStoreFailure(cause)
        ? 'The state database stayed unavailable (unreachable, or locked by another process) for longer than [dispatcher] db_outage_timeout, so this dispatcher gave up its runs (another dispatcher, or a restart, takes them up) and accepts no run until it is restarted; restart it once the database answers.'
        : 'The state database refused a write, so this dispatcher stopped its runs and accepts no run until it is restarted; see its log, fix the disk or file, then restart it.',
      { cause },
    );
  }
}

/**
 * The lease on a run passed to another process while this one hosted it (it stopped renewing in
 * time — a partition, a pause, an outage — and the other took the run over): this process has
 * stopped the run here and writes nothing more for it. Not a failure of the run, which goes on
 * where it is now. Code RUN_FENCED (exit 3).
 */
export class RunFencedError extends SwarmError {
  override name = 'RunFencedError';
  readonly runId: string;
  /** Who holds the run now, and at which epoch (null: nobody does). */
  readonly owner: string | null;
  readonly epoch: number | null;
  /** The epoch this process held. */
  readonly heldEpoch: number;
  /** `follow`: the command that shows the run (a CLI's names its config and --db). */
  constructor(runId: string, heldEpoch: number, owner: string | null, epoch: number | null, follow = `swarm show ${runId}`) {
    const now = owner === null ? 'no process holds it now' : `it is hosted by ${owner} now (lease epoch ${epoch})`;
    super(
      'RUN_FENCED',
      `Run ${runId} was taken over: this process lost its lease (epoch ${heldEpoch}) and stopped the run here; ` +
        `${now}. Follow it with \`${follow}\`.`,
    );
    this.runId = runId;
    this.owner = owner;
    this.epoch = epoch;
    this.heldEpoch = heldEpoch;
  }
}

/**
 * A SQLite file (or PostgreSQL schema) given as the state database that holds another program's
 * tables. Code STORE_SCHEMA (exit 3), as for a database this swarm cannot read; nothing was
 * written to it. `what` names it ("The file at …"), `next` says what to check.
 */
export class NotAStateDatabaseError extends SwarmError {
  override name = 'NotAStateDatabaseError';
  constructor(what: string, tables: string, next: string) {
    super('STORE_SCHEMA', `${what} is not a swarm state database: it holds other tables (${tables}), so it was left untouched. ${next}`);
  }
}

/** A journal row this swarm cannot read back (written or changed by another program). */
export class DamagedJournalRowError extends SwarmError {
  override name = 'DamagedJournalRowError';
  constructor(seq: number, what: string) {
    super(
      'STORE_SCHEMA',
      `Journal row ${seq} has ${what}, so the journal is damaged; restore the state database from a backup, or point --db at another file.`,
    );
  }
}
