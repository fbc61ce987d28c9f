import { accessSync, constants, existsSync } from 'node:fs';
import { Database } from 'bun:sqlite';
import { StoreUnavailableError, SwarmError } from '../errors.ts';
import { assertStateDatabase } from './foreign-database.ts';
import { applyMigrations } from './migrations.ts';
import { isSqliteBusy, StoreLockedError } from './store-errors.ts';

/**
 * How long a connection waits for another process's write lock before failing with SQLITE_BUSY.
 * A CLI reading while a dispatcher writes should wait, not fail; group commits are milliseconds.
 */
export const BUSY_TIMEOUT_MS = 5_000;

/** SQLite's page cache of a connection, in MiB (see configureConnection). */
export const DEFAULT_CACHE_MIB = 64;

/** What a connection may set other than the defaults (see configureConnection). */
export interface ConnectionOptions {
  cacheMiB?: number;
  /** How long it waits for another connection's write lock (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

/** The WAL's size, in pages, at which a commit checkpoints it (see configureConnection). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Sets the connection up. Order matters: busy_timeout first so the following pragmas already wait
 * for locks; WAL so readers never block the writer; synchronous=NORMAL because in WAL mode it is
 * still crash-safe for the application (only an OS crash or power cut can lose the last commits)
 * and is ~10x faster per commit than FULL. Foreign keys are off by default in SQLite.
 *
 * wal_autocheckpoint 10000 pages (~40 MB of WAL): with NORMAL, commits never fsync, checkpoints
 * do; the journal's group commits are small and frequent, and a checkpoint every 1000 pages
 * (the default) doubled the cost of each one (measured: 127 µs → 67 µs per commit of a
 * typical batch). Fewer, larger checkpoints also write each hot page once instead of often.
 * A store that commits a lot moves its checkpoints to a thread (wal-checkpointer.ts).
 * cache_size 64 MiB by default: a 100k-task run's hot pages (tasks being patched, the journal's
 * tail and its index) outgrow the default 8 MiB, and the misses doubled the cost of a commit
 * (measured). A connection that only writes the journal in order needs less (see
 * background-writer-thread.ts).
 */
export function configureConnection(db: Database, options: ConnectionOptions = {}): void {
  const { cacheMiB = DEFAULT_CACHE_MIB, busyTimeoutMs = BUSY_TIMEOUT_MS } = options;
  db.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  db.run('PRAGMA journal_mode = WAL'); // ':memory:' databases stay in 'memory' mode
  db.run('PRAGMA synchronous = NORMAL');
  db.run(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.run(`PRAGMA cache_size = -${Math.round(cacheMiB * 1024)}`);
  db.run('PRAGMA foreign_keys = ON');
}

/**
 * Opens (creating if needed) the database at `location`, configures it and migrates it forward.
 * Any failure to open — missing directory, not a database, no permission — becomes a
 * StoreUnavailableError naming the path; a too-new schema, or a file of another program's
 * tables, stays a STORE_SCHEMA SwarmError.
 */
export function openDatabase(location: string, options: ConnectionOptions = {}): { db: Database; schemaVersion: number } {
  // Before the open, which would make the WAL and shared-memory files with the database's own
  // mode: a read-only file's would stay read-only, and every open failed on them once the
  // file was writable again.
  const readOnly = location === ':memory:' ? [] : notWritable([location, `${location}-wal`, `${location}-shm`]);
  if (readOnly.length > 0) {
    throw new StoreUnavailableError(
      location,
      new Error(`${readOnly.join(' and ')} ${readOnly.length === 1 ? 'is' : 'are'} not writable for this user (a state database is opened to write, also by commands that only read)`),
    );
  }
  let db: Database | undefined;
  try {
    db = new Database(location, { create: true, readwrite: true });
    // Before configureConnection, whose switch to WAL already writes to the file.
    db.run(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    assertStateDatabase(db, location);
    configureConnection(db, options);
    const schemaVersion = applyMigrations(db);
    assertWritable(db);
    return { db, schemaVersion };
  } catch (err) {
    db?.close();
    if (err instanceof SwarmError) throw err;
    // Its checks write: another process's long write transaction holds them up, as it does a commit.
    if (isSqliteBusy(err)) throw new StoreLockedError(location, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, err);
    throw new StoreUnavailableError(location, err);
  }
}

/** Those of `files` that exist and this process may not write (root may write any). */
function notWritable(files: string[]): string[] {
  return files.filter((file) => {
    if (!existsSync(file)) return false;
    try {
      accessSync(file, constants.W_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * SQLite silently opens a write-protected file read-only, and then only the first write fails.
 * A store must be able to write, so find out now: a write statement inside a transaction that is
 * rolled back fails on a read-only database and leaves a writable one untouched.
 */
function assertWritable(db: Database): void {
  db.run('BEGIN IMMEDIATE');
  try {
    db.run('DELETE FROM state WHERE 0');
  } finally {
    if (db.inTransaction) db.run('ROLLBACK');
  }
}
