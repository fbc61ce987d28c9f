import { UNFINISHED_RUN_STATUSES } from '../types.ts';
import { FINISHED_RUN_STATUSES, UNDONE_STATUSES, sqlStatusList } from '../validation.ts';

/**
 * The statements the worker runs, as text. Bun prepares each distinct text once per connection
 * and reuses it, so these are fixed strings with $n parameters. Columns are selected under the
 * record's (camelCase, quoted) names so ../rows.ts decodes them as it decodes SQLite's; BIGINT
 * columns are cast to float8, which Bun returns as numbers (int8 comes back as a string).
 */

const RUN_COLUMNS = `runs.id AS id, name, status, m.source AS "manifestSource", m.format AS "manifestFormat",
  m.manifest AS manifest, m.path AS "manifestPath", metadata, total_tasks AS "totalTasks",
  completed_tasks AS "completedTasks", failed_tasks AS "failedTasks", replay_of AS "replayOf",
  created_at::float8 AS "createdAt", finished_at::float8 AS "finishedAt"`;

/** What lists show: no manifest (text and JSON, megabytes for a big run). */
const RUN_LIST_COLUMNS = `runs.id AS id, name, status, m.format AS "manifestFormat", m.path AS "manifestPath",
  metadata, total_tasks AS "totalTasks", completed_tasks AS "completedTasks", failed_tasks AS "failedTasks",
  replay_of AS "replayOf", created_at::float8 AS "createdAt", finished_at::float8 AS "finishedAt"`;

const RUNS = 'runs JOIN run_manifests m ON m.run_id = runs.id';

/** Newest first; insertion order breaks ties, as SQLite's rowid does. */
const NEWEST_FIRST = 'ORDER BY created_at DESC, inserted DESC LIMIT $1';

const TASK_COLUMNS = `run_id AS "runId", name, position, status, priority, dispatch, dependencies, attempts,
  output, error, node, rollback_output AS "rollbackOutput", rollback_error AS "rollbackError", reused,
  started_at::float8 AS "startedAt", finished_at::float8 AS "finishedAt"`;

const NODE_COLUMNS = `id, kind, status, capacity, running, capabilities, last_seen_at::float8 AS "lastSeenAt",
  started_at::float8 AS "startedAt"`;

const FINISHED = sqlStatusList(FINISHED_RUN_STATUSES);

export const Q = {
  insertRun: `INSERT INTO runs (id, name, status, metadata, total_tasks, completed_tasks, failed_tasks, replay_of,
      created_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  insertRunManifest: 'INSERT INTO run_manifests (run_id, source, format, manifest, path) VALUES ($1, $2, $3, $4, $5)',
  /** All of a run's tasks in one statement: one array per column, whatever the count. */
  insertTasks: `INSERT INTO tasks (run_id, name, position, status, priority, dispatch, dependencies, attempts, output,
      error, node, rollback_output, rollback_error, reused, started_at, finished_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::text[], $8::int[],
      $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::smallint[], $15::bigint[], $16::bigint[])`,
  /** NULL, or JSON saying which runs were fenced or that the batch was a duplicate (fenced-commit-function.ts). */
  commit: `SELECT swarm_commit(${Array.from({ length: 38 }, (_, i) => `$${i + 1}`).join(', ')}) AS outcome`,
  selectRun: `SELECT ${RUN_COLUMNS} FROM ${RUNS} WHERE runs.id = $1`,
  selectRunListing: `SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} WHERE runs.id = $1`,
  listRuns: `SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} ${NEWEST_FIRST}`,
  /** starts_with, not a range: the database's collation need not order ids byte by byte. */
  listRunsByIdPrefix: `SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} WHERE starts_with(runs.id, $1) ORDER BY runs.id COLLATE "C" LIMIT $2`,
  listRunsWithStatus: `SELECT ${RUN_LIST_COLUMNS} FROM ${RUNS} WHERE status = ANY ($2::text[]) ${NEWEST_FIRST}`,
  listUnfinishedRunIds: `SELECT id FROM runs WHERE status IN ${sqlStatusList(UNFINISHED_RUN_STATUSES)} ORDER BY created_at, inserted`,
  /** As value arrays, in TASK_KEYS order (protocol.ts). */
  selectTasks: `SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = $1 AND position > $2 AND status <> $4 ORDER BY tasks.position LIMIT $3`,
  countTasksByStatus: 'SELECT status, count(*)::int AS tasks FROM tasks WHERE run_id = $1 GROUP BY status',
  countUndoneSuccesses: `SELECT status, count(*)::int AS tasks FROM tasks WHERE run_id = $1 AND status IN ${UNDONE_STATUSES} AND error IS NULL GROUP BY status`,
  selectTask: `SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = $1 AND name = $2`,
  /** As value arrays, in TRANSITION_KEYS order (protocol.ts). Ordered by the table's seq, not the
   * float8 output column of the same name, or the index would not serve the order. */
  selectTransitions: `SELECT seq::float8, run_id, actor_id, actor_kind, from_state, to_state, event, payload, at::float8
    FROM transitions WHERE run_id = $1 AND seq > $2 ORDER BY transitions.seq LIMIT $3`,
  listNodes: `SELECT ${NODE_COLUMNS} FROM nodes ORDER BY id`,
  stateGet: 'SELECT value FROM state WHERE key = $1',
  stateSet: `INSERT INTO state (key, value, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  stateDelete: 'DELETE FROM state WHERE key = $1',
  /** createRun's lease (epoch 1), in its transaction; $3: the lease in ms. */
  insertLease: `INSERT INTO run_owners (run_id, owner, epoch, expires_at)
    VALUES ($1, $2, 1, clock_timestamp() + $3::float8 * interval '1 millisecond')`,
  /** What the lease has left by the server's clock, so no two hosts' clocks are ever compared. */
  getRunLease: `SELECT owner, epoch, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS "expiresInMs"
    FROM run_owners WHERE run_id = $1`,
  /**
   * Taken by a claim, in its transaction, before the claim itself: it conflicts with the
   * EXCLUSIVE lock every fenced commit holds (fenced-commit-function.ts), so a claim waits for
   * a commit in progress and a commit for the claim — the commit's epoch check and its writes
   * are never split by a change of owner. Readers are not blocked, nor are other claims.
   */
  lockJournalForClaim: 'LOCK TABLE transitions IN ROW EXCLUSIVE MODE',
  /**
   * Compare-and-set in one statement. From no lease: the insert either lands or meets the row a
   * concurrent claim inserted (ON CONFLICT DO NOTHING: not claimed). From an epoch: the UPDATE
   * locks the row and re-checks its condition after any concurrent update commits (READ
   * COMMITTED) — a renewal that moved the expiry, a claim that moved the epoch. $3: the lease
   * in ms; $5: claim only an expired lease, by the server's clock.
   */
  claimUnownedLease: `WITH run AS (SELECT id FROM runs WHERE id = $1),
      claimed AS (INSERT INTO run_owners (run_id, owner, epoch, expires_at)
        SELECT id, $2, 1, clock_timestamp() + $3::float8 * interval '1 millisecond' FROM run
        ON CONFLICT (run_id) DO NOTHING RETURNING epoch)
    SELECT EXISTS (SELECT 1 FROM run) AS found, (SELECT epoch FROM claimed) AS epoch`,
  claimLease: `WITH run AS (SELECT id FROM runs WHERE id = $1),
      claimed AS (UPDATE run_owners SET owner = $2, epoch = epoch + 1,
          expires_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
        WHERE run_id = $1 AND epoch = $4 AND (NOT $5::boolean OR expires_at <= clock_timestamp())
        RETURNING epoch)
    SELECT EXISTS (SELECT 1 FROM run) AS found, (SELECT epoch FROM claimed) AS epoch`,
  /** Every lease the owner still holds at the epoch given, in one statement; $4: the lease in ms. */
  renewLeases: `UPDATE run_owners o SET expires_at = clock_timestamp() + $4::float8 * interval '1 millisecond'
    FROM unnest($2::text[], $3::int[]) AS x(r, e)
    WHERE o.run_id = x.r AND o.epoch = x.e AND o.owner = $1
    RETURNING o.run_id AS "runId"`,
  counts: `SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM tasks)::int AS tasks,
      (SELECT count(*) FROM transitions)::int AS transitions, (SELECT count(*) FROM nodes)::int AS nodes,
      (SELECT count(*) FROM state)::int AS state`,
  /** Tasks, manifests, owners and journal rows go with their run through ON DELETE CASCADE. */
  deleteFinishedRuns: `DELETE FROM runs WHERE status IN ${FINISHED} AND created_at < $1`,
  /** One statement, so one transaction: the run-less node rows, then the node rows (counted). */
  deleteStaleNodes: `WITH journal AS (
      DELETE FROM transitions WHERE run_id IS NULL AND actor_kind = 'node' AND at < $1)
    DELETE FROM nodes WHERE last_seen_at < $1`,
} as const;
