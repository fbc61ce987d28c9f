import { COMMIT_FUNCTION } from './commit-function.ts';
import { FENCED_COMMIT_FUNCTION } from './fenced-commit-function.ts';

/**
 * The PostgreSQL schema, as an ordered list of forward migrations; the tables and their meaning
 * are SQLite's (../migrations.ts) as of its version 5, so both stores read and write the same
 * records. Its own version numbers: `swarm_schema_version` holds one row per migration applied.
 * A migration, once released, never changes: change the schema by appending one.
 *
 * Types: times are BIGINT milliseconds (read back as float8, which JavaScript numbers are);
 * JSON fields are TEXT holding the JSON text the store encodes (../json-columns.ts), so a value
 * reads back byte for byte as written, as with SQLite (jsonb would reorder keys and lose
 * duplicate ones). No CHECK constraints on statuses, as in SQLite: the store validates them.
 *
 * runs and tasks keep 30% of each page free (fillfactor 70): every commit updates rows of both,
 * and with room on the page an update is a HOT update (no index entries, less WAL). A full page
 * (createRun packs them) made each first update of a task move it and re-index it: a typical
 * commit took 2.1 ms (p50) instead of 0.85 ms (bench/store-postgres.ts).
 */
export interface PostgresMigration {
  version: number;
  description: string;
  up: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'initial schema: runs, run_manifests, tasks, transitions (journal), nodes, state, run_owners; swarm_commit',
    up: `
      CREATE TABLE runs (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        status          TEXT NOT NULL,
        metadata        TEXT NOT NULL,    -- JSON object
        total_tasks     INTEGER NOT NULL,
        completed_tasks INTEGER NOT NULL DEFAULT 0,
        failed_tasks    INTEGER NOT NULL DEFAULT 0,
        replay_of       TEXT,             -- no foreign key: a replay outlives the cleanup of its original
        created_at      BIGINT NOT NULL,
        finished_at     BIGINT,
        -- Insertion order, SQLite's rowid: runs created in the same millisecond list newest-inserted first.
        inserted        BIGINT GENERATED ALWAYS AS IDENTITY
      ) WITH (fillfactor = 70);
      CREATE INDEX runs_by_created ON runs (created_at, inserted);
      CREATE INDEX runs_by_status ON runs (status, created_at, inserted);

      -- The deployed manifest lives apart so the hot runs row (updated by every commit) stays small.
      CREATE TABLE run_manifests (
        run_id   TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        source   TEXT NOT NULL,
        format   TEXT NOT NULL,
        manifest TEXT,                    -- JSON: the validated manifest
        path     TEXT
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
        reused          SMALLINT NOT NULL DEFAULT 0,
        started_at      BIGINT,
        finished_at     BIGINT,
        PRIMARY KEY (run_id, name)
      ) WITH (fillfactor = 70);
      CREATE UNIQUE INDEX tasks_by_position ON tasks (run_id, position);

      -- The journal. An identity never hands out a value twice, even after the newest rows are
      -- deleted: readers page through it with "afterSeq" cursors. swarm_commit assigns seqs under
      -- a lock on this table, so seq order is commit order (see commit-function.ts).
      CREATE TABLE transitions (
        seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id     TEXT REFERENCES runs(id) ON DELETE CASCADE,
        actor_id   TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT NOT NULL,
        event      TEXT NOT NULL,
        payload    TEXT,                  -- JSON
        at         BIGINT NOT NULL
      );
      CREATE INDEX transitions_by_run ON transitions (run_id, seq);

      CREATE TABLE nodes (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        status       TEXT NOT NULL,
        capacity     INTEGER NOT NULL,
        running      INTEGER NOT NULL,
        capabilities TEXT NOT NULL,       -- JSON array
        last_seen_at BIGINT NOT NULL,
        started_at   BIGINT NOT NULL
      );

      CREATE TABLE state (
        key        TEXT PRIMARY KEY,
        value      TEXT,                  -- JSON; NULL is JSON null
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE run_owners (
        run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        owner  TEXT NOT NULL              -- host:pid:start-time of the process
      );

      ${COMMIT_FUNCTION}
    `,
  },
  {
    version: 2,
    description: 'run leases (an epoch, an expiry by the server clock); swarm_commit fences by epoch',
    // Owners recorded before leases keep epoch 1 and no expiry: they never expire, and only the
    // same-host check of their process releases them, as before (../run-lease.ts). The commit
    // function changes its signature and result, so the old one is dropped, not replaced.
    up: `
      ALTER TABLE run_owners
        ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1,
        ADD COLUMN expires_at TIMESTAMPTZ;                  -- the server's clock; NULL: no lease
      DROP FUNCTION swarm_commit(text[], text[], text[], text[], text[], text[], text[], bigint[],
        text[], int[], text[], int[], int[], bigint[],
        text[], text[], int[], text[], int[], text[], text[], text[], text[], text[], smallint[], bigint[], bigint[],
        text[], text[], text[], int[], int[], text[], bigint[], bigint[]);
      ${FENCED_COMMIT_FUNCTION}
    `,
  },
];

/** The schema version this code writes; a database at a higher version is refused. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1].version;
