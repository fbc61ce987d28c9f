import type { SQL } from 'bun';
import { SwarmError } from '../../errors.ts';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './schema.ts';

/**
 * Brings the database forward at open (worker side). All missing migrations apply in one
 * transaction — PostgreSQL's DDL is transactional, so a failure leaves the schema at its old
 * version — under a transaction-scoped advisory lock, so two processes opening a new database
 * at once do not both migrate: the second waits, then finds the work done. Returns the version.
 */
export async function applyPostgresMigrations(sql: SQL, target: number = POSTGRES_SCHEMA_VERSION): Promise<number> {
  const current = await readVersion(sql);
  if (current > POSTGRES_SCHEMA_VERSION) throw tooNew(current);
  if (current >= target) return current;
  return sql.begin(async (tx) => {
    // One lock per schema: stores in other schemas of the same database migrate independently.
    await tx.unsafe("SELECT pg_advisory_xact_lock(hashtext('swarm-migrate:' || current_schema()))");
    // Under the lock, so tables another swarm has just created count as ours.
    if ((await readVersion(tx)) === 0) await assertNoOtherTables(tx);
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS swarm_schema_version (
      version     INTEGER PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    // Re-read under the lock: another process may have migrated meanwhile.
    let version = await versionIn(tx);
    if (version > POSTGRES_SCHEMA_VERSION) throw tooNew(version);
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= version || migration.version > target) continue;
      await tx.unsafe(migration.up).simple();
      await tx.unsafe('INSERT INTO swarm_schema_version (version, description) VALUES ($1, $2)', [
        migration.version,
        migration.description,
      ]);
      version = migration.version;
    }
    return version;
  });
}

/** The schema version of the current schema: 0 for an empty one. */
export async function readVersion(sql: SQL): Promise<number> {
  const [row] = await sql.unsafe<{ present: boolean }[]>(
    "SELECT to_regclass('swarm_schema_version') IS NOT NULL AS present",
  );
  return row.present ? versionIn(sql) : 0;
}

async function versionIn(sql: SQL): Promise<number> {
  const [row] = await sql.unsafe<{ version: number | null }[]>('SELECT max(version) AS version FROM swarm_schema_version');
  return row.version ?? 0;
}

/**
 * A schema with no swarm_schema_version must be empty: creating the swarm's tables beside
 * another program's would mix the two (or fail on a name they share, such as runs). Throws
 * before anything is written; the transaction rolls back.
 */
async function assertNoOtherTables(sql: SQL): Promise<void> {
  const [row] = await sql.unsafe<{ schema: string; tables: string | null }[]>(
    `SELECT current_schema() AS schema, (SELECT string_agg(relname, ', ') FROM (
       SELECT relname FROM pg_class
       WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'f')
         AND relname <> 'swarm_schema_version'
       ORDER BY relname LIMIT 5) AS other) AS tables`,
  );
  if (row.tables === null) return;
  // Carries the names to the main thread, which words the error (errors.ts).
  throw Object.assign(new SwarmError('STORE_SCHEMA', `schema ${row.schema} holds other tables (${row.tables})`), {
    otherTables: { schema: row.schema, tables: row.tables },
  });
}

/** Carries the versions to the main thread, which words the error (errors.ts schemaTooNewError). */
function tooNew(found: number): SwarmError {
  return Object.assign(new SwarmError('STORE_SCHEMA', `schema version ${found} is newer than ${POSTGRES_SCHEMA_VERSION}`), {
    found,
    latest: POSTGRES_SCHEMA_VERSION,
  });
}
