import type { Database } from 'bun:sqlite';
import { LATEST_SCHEMA_VERSION } from './migrations.ts';
import { NotAStateDatabaseError } from './store-errors.ts';

/**
 * Refuses a SQLite file that holds another program's tables, before anything is written to it:
 * migrating it would add the swarm's tables beside the others (or fail on a name they share).
 * A state database records its schema version in `PRAGMA user_version` (migrations.ts), so a
 * file at version 0 must be empty, and one at a version this swarm knows must have its `runs`
 * table. A version above the latest is left to the migrations, which refuse it as too new.
 *
 * One statement, so it reads one snapshot: another process may be migrating the same new file,
 * and its tables and version appear together.
 */
export function assertStateDatabase(db: Database, location: string): void {
  const statement = db.prepare<{ version: number; tables: string | null; runs: number }, []>(
    `SELECT (SELECT user_version FROM pragma_user_version) AS version,
            (SELECT group_concat(name, ', ') FROM
              (SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name LIMIT 5)) AS tables,
            EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs') AS runs`,
  );
  let found: { version: number; tables: string | null; runs: number } | null;
  try {
    found = statement.get();
  } finally {
    statement.finalize(); // A statement left open keeps the connection from closing.
  }
  if (!found || found.tables === null) return; // Empty: it becomes a state database.
  const { version, tables, runs } = found;
  if (version > LATEST_SCHEMA_VERSION) return;
  if (version === 0 || !runs) {
    throw new NotAStateDatabaseError(
      `The file at ${location}`,
      tables,
      'Check the path (--db or [dispatcher] state_db_path), or point it at a new file.',
    );
  }
}
