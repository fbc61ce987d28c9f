import type { Database } from 'bun:sqlite';
import { SwarmError } from '../errors.ts';

/**
 * The schema, as an ordered list of forward migrations. `PRAGMA user_version` holds the version
 * a database is at; opening applies the missing ones in one write transaction. A migration, once
 * released, never changes: change the schema by appending one.
 */
export interface Migration {
  version: number;
  description: string;
  up: string | ((db: Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema: runs, tasks, transitions (journal), nodes, state',
    up: `
      CREATE TABLE runs (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        status          TEXT NOT NULL,
        manifest_source TEXT NOT NULL,
        manifest_format TEXT NOT NULL,
        manifest        TEXT,             -- JSON: the validated manifest
        manifest_path   TEXT,
        metadata        TEXT NOT NULL,    -- JSON object
        total_tasks     INTEGER NOT NULL,
        completed_tasks INTEGER NOT NULL DEFAULT 0,
        failed_tasks    INTEGER NOT NULL DEFAULT 0,
        replay_of       TEXT,             -- no foreign key: a replay outlives the cleanup of its original
        created_at      INTEGER NOT NULL,
        finished_at     INTEGER
      );

      CREATE TABLE tasks (
        run_id          TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name            TEXT NOT NULL,
        position        INTEGER NOT NULL, -- manifest order
        status          TEXT NOT NULL,
        priority        INTEGER NOT NULL,
        dispatch        TEXT NOT NULL,
        dependencies    TEXT NOT NULL,    -- JSON array of task names
        attempts        INTEGER NOT NULL DEFAULT 0,
        output          TEXT,             -- JSON
        error           TEXT,             -- JSON SerializedError
        node            TEXT,
        rollback_output TEXT,             -- JSON
        rollback_error  TEXT,             -- JSON SerializedError
        reused          INTEGER NOT NULL DEFAULT 0,
        started_at      INTEGER,
        finished_at     INTEGER,
        PRIMARY KEY (run_id, name)
      );
      CREATE UNIQUE INDEX tasks_by_position ON tasks (run_id, position);

      -- The journal. AUTOINCREMENT so a seq is never reused, even after the newest rows are deleted:
      -- readers page through it with "afterSeq" cursors.
      CREATE TABLE transitions (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id     TEXT REFERENCES runs(id) ON DELETE CASCADE,
        actor_id   TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT NOT NULL,
        event      TEXT NOT NULL,
        payload    TEXT,                  -- JSON
        at         INTEGER NOT NULL
      );
      CREATE INDEX transitions_by_run ON transitions (run_id, seq);

      CREATE TABLE nodes (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        status       TEXT NOT NULL,
        capacity     INTEGER NOT NULL,
        running      INTEGER NOT NULL,
        capabilities TEXT NOT NULL,       -- JSON array
        last_seen_at INTEGER NOT NULL,
        started_at   INTEGER NOT NULL
      );

      CREATE TABLE state (
        key        TEXT PRIMARY KEY,
        value      TEXT,                  -- JSON; NULL is JSON null
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'indexes for listRuns (newest first, by status) and cleanup (finished before a time)',
    up: `
      CREATE INDEX runs_by_created ON runs (created_at);
      CREATE INDEX runs_by_status ON runs (status, created_at);
    `,
  },
  {
    version: 3,
    description: 'move the deployed manifest out of the runs row into run_manifests',
    // Why: the runs row is updated on every group commit (counts, status). With a large
    // manifest in it, each update rewrote the manifest's overflow pages: 28 ms per commit for
    // a 20k-symbol run, measured. The hot row must stay small.
    up: `
      CREATE TABLE run_manifests (
        run_id   TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        source   TEXT NOT NULL,
        format   TEXT NOT NULL,
        manifest TEXT,                    -- JSON: the validated manifest
        path     TEXT
      );
      INSERT INTO run_manifests (run_id, source, format, manifest, path)
        SELECT id, manifest_source, manifest_format, manifest, manifest_path FROM runs;
      ALTER TABLE runs DROP COLUMN manifest_source;
      ALTER TABLE runs DROP COLUMN manifest_format;
      ALTER TABLE runs DROP COLUMN manifest;
      ALTER TABLE runs DROP COLUMN manifest_path;
    `,
  },
  {
    version: 4,
    description: 'run_owners: which process hosts each active run, so a restart resumes only orphaned runs',
    up: `
      CREATE TABLE run_owners (
        run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        owner  TEXT NOT NULL              -- host:pid:start-time of the process
      );
    `,
  },
  {
    version: 5,
    description: 'run leases: an epoch that fences writes, an expiry the owner renews',
    // Owners recorded before leases keep epoch 1 and no expiry: they never expire, and only the
    // same-host check of their process releases them, as before (see run-lease.ts).
    up: `
      ALTER TABLE run_owners ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE run_owners ADD COLUMN expires_at INTEGER;   -- ms, the store's clock; NULL: no lease
    `,
  },
  {
    version: 6,
    description: 'a big manifest is stored as a head and parts of its symbols (run_manifest_parts)',
    // Why: one JSON text for a million symbols costs ~460 MB of memory to write (see
    // manifest-parts.ts). Existing rows keep their whole manifest (parts = 0).
    up: `
      ALTER TABLE run_manifests ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE run_manifest_parts (
        run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        part    INTEGER NOT NULL,
        symbols TEXT NOT NULL,            -- JSON array: symbols part*N .. part*N + N - 1
        PRIMARY KEY (run_id, part)
      );
    `,
  },
  {
    version: 7,
    description: 'the journal without AUTOINCREMENT; journal_floor keeps its seqs from being reused',
    // Why: AUTOINCREMENT updates sqlite_sequence in every commit that adds a row, one more WAL
    // page of the ~6 a chain step's commit writes: ~25 µs a step (measured). A seq is still
    // never reused: before rows are deleted, journal_floor is raised to the highest seq, and a
    // commit that finds every row below the floor starts above it (sqlite-store.ts). The floor
    // starts where sqlite_sequence was, which counts rows deleted before this version.
    up: `
      CREATE TABLE journal_floor (seq INTEGER NOT NULL);
      INSERT INTO journal_floor (seq)
        SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'transitions'), 0);
      CREATE TABLE transitions_v7 (
        seq        INTEGER PRIMARY KEY,
        run_id     TEXT REFERENCES runs(id) ON DELETE CASCADE,
        actor_id   TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT NOT NULL,
        event      TEXT NOT NULL,
        payload    TEXT,                  -- JSON
        at         INTEGER NOT NULL
      );
      INSERT INTO transitions_v7 (seq, run_id, actor_id, actor_kind, from_state, to_state, event, payload, at)
        SELECT seq, run_id, actor_id, actor_kind, from_state, to_state, event, payload, at FROM transitions ORDER BY seq;
      DROP TABLE transitions;
      ALTER TABLE transitions_v7 RENAME TO transitions;
      CREATE INDEX transitions_by_run ON transitions (run_id, seq);
    `,
  },
  {
    version: 8,
    description: 'a journal row may hold several transitions of one actor (the column earlier)',
    // Why: a task's transitions come in bursts (activated: created, ready, assigned; reported:
    // started, ended), and a row costs ~1.5–2 µs inside a commit whatever it holds. A row keeps
    // its last transition in the columns and the ones before it in `earlier`, with the seqs just
    // below its own (merged-transitions.ts). Rows written before hold one transition each.
    // `earlier_count` (how many `earlier` holds) is in the run index, so a run's extent and
    // transition count stay an index-only read (the dashboard's run state, `swarm status`).
    up: `
      ALTER TABLE transitions ADD COLUMN earlier TEXT;
      ALTER TABLE transitions ADD COLUMN earlier_count INTEGER NOT NULL DEFAULT 0;
      DROP INDEX transitions_by_run;
      CREATE INDEX transitions_by_run ON transitions (run_id, seq, earlier_count);
    `,
  },
  {
    version: 9,
    description: 'a big manifest\'s parts are stored compressed (zstd), as BLOBs in run_manifest_parts.symbols',
    // No table changes: the column takes a BLOB as it is, and parts written before stay JSON
    // text, which still reads (manifest-parts.ts). The version is raised so that a swarm from
    // before, which would read a compressed part as text, refuses the database instead.
    up: () => {},
  },
];

/** The schema version this code writes; a database at a higher version is refused. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function readSchemaVersion(db: Database): number {
  // Finalized at once: a statement left open keeps the connection from closing (see SqliteStore.close).
  const statement = db.prepare<{ user_version: number }, []>('PRAGMA user_version');
  try {
    return statement.get()?.user_version ?? 0;
  } finally {
    statement.finalize();
  }
}

function schemaTooNewError(location: string, found: number): SwarmError {
  return new SwarmError(
    'STORE_SCHEMA',
    `The state database at ${location} has schema version ${found}, newer than this swarm knows ` +
      `(${LATEST_SCHEMA_VERSION}); upgrade swarm to open it, or point --db at another file.`,
  );
}

/**
 * Brings `db` forward to `target` (default: the latest), applying each missing migration in
 * order inside one BEGIN IMMEDIATE transaction, so two processes opening the same new file don't
 * both migrate and a failure leaves the database at its old version. Returns the version reached.
 * Exported with `target` so tests can build a database as an older release left it.
 */
export function applyMigrations(db: Database, target: number = LATEST_SCHEMA_VERSION): number {
  const before = readSchemaVersion(db);
  if (before > LATEST_SCHEMA_VERSION) throw schemaTooNewError(db.filename, before);
  if (before >= target) return before;

  const migrate = db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    let version = readSchemaVersion(db);
    for (const migration of MIGRATIONS) {
      if (migration.version <= version || migration.version > target) continue;
      if (typeof migration.up === 'string') db.run(migration.up);
      else migration.up(db);
      version = migration.version;
    }
    // PRAGMA takes no bound parameters; `version` is one of our own integers.
    db.run(`PRAGMA user_version = ${version}`);
    return version;
  });
  return migrate.immediate();
}
