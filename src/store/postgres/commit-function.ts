/**
 * swarm_commit: one group commit (StoreBatch) as one server-side function, so a commit is one
 * statement — one round trip and one transaction (a statement outside BEGIN is its own
 * transaction), durable when it returns, and a missing run or task is found in the same
 * statement. The client-side alternative is BEGIN, then the statements (pipelined), then COMMIT:
 * three round trips. On one host both cost the same, ~0.85 ms per commit of 8 journal rows and
 * 8 task patches, as the WAL flush dominates (measured with Bun 1.4.5 and PostgreSQL 15 on a
 * loaded 2-core box); with the server across a network each round trip adds its latency.
 *
 * Journal order. Readers resume with "seq greater than the last one I saw", so a row must never
 * become visible with a seq below one already visible. An identity hands out values when rows
 * are inserted, not when they commit: of two concurrent commits, the one that took the lower
 * seqs may commit last, and a reader in between would skip its rows for good. So the function
 * first takes `LOCK TABLE transitions IN EXCLUSIVE MODE` (only when the batch has journal rows):
 * it conflicts with itself and with every other insert, update or delete of the journal, but
 * not with reads (SELECT takes ACCESS SHARE), and is held to the end of the transaction. Seqs
 * are therefore taken and committed one commit at a time, in commit order, across all the
 * processes that share the database. A table lock rather than an advisory lock: it also orders
 * any writer that forgets to ask, and it belongs to the table's own schema. The cost: journal
 * writers queue for each other, each holding the lock for its whole commit (WAL flush included),
 * so all the processes on one database together make at most ~1,000-2,000 journal commits a
 * second on a host like the one measured; group commit keeps each one large.
 *
 * Patches: bit i of a mask is field i of TASK_PATCH_FIELDS / RUN_PATCH_FIELDS (../rows.ts):
 *   tasks: 1 status, 2 attempts, 4 output, 8 error, 16 node, 32 rollback_output,
 *          64 rollback_error, 128 reused, 256 started_at, 512 finished_at
 *   runs:  1 status, 2 completed_tasks, 4 failed_tasks, 8 finished_at
 * They apply one by one, in order, as SQLite's do. A patch or a task/coordinator row naming a
 * missing run raises SQLSTATE SWR01 (detail: the run id), a patch of a missing task SWT01
 * (detail: [run id, name] as JSON); the whole statement, so the whole batch, is undone.
 *
 * Part of migration 1: to change it, append a migration with CREATE OR REPLACE FUNCTION.
 * Migration 2 replaced it with the fencing version (fenced-commit-function.ts); this text stays
 * as migration 1 created it, since a released migration never changes.
 */
export const COMMIT_FUNCTION = `
CREATE FUNCTION swarm_commit(
  t_run text[], t_actor text[], t_kind text[], t_from text[], t_to text[], t_event text[], t_payload text[], t_at bigint[],
  r_id text[], r_mask int[], r_status text[], r_completed int[], r_failed int[], r_finished_at bigint[],
  k_run text[], k_name text[], k_mask int[], k_status text[], k_attempts int[], k_output text[], k_error text[],
  k_node text[], k_rollback_output text[], k_rollback_error text[], k_reused smallint[], k_started_at bigint[],
  k_finished_at bigint[],
  n_id text[], n_kind text[], n_status text[], n_capacity int[], n_running int[], n_capabilities text[],
  n_last_seen_at bigint[], n_started_at bigint[]
) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  i int;
  m int;
  missing text;
BEGIN
  IF cardinality(t_run) > 0 THEN
    LOCK TABLE transitions IN EXCLUSIVE MODE;
    -- The runs the rows name cannot be deleted until this commits.
    PERFORM 1 FROM runs WHERE id = ANY (t_run) FOR KEY SHARE;
    -- Dispatcher and node actors outlive runs: their rows naming a deleted run lose the run id.
    -- Any other row naming a missing run is a caller bug and fails the batch.
    SELECT x.r INTO missing FROM unnest(t_run, t_kind) AS x(r, k)
      WHERE x.r IS NOT NULL AND x.k NOT IN ('dispatcher', 'node')
        AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = x.r)
      LIMIT 1;
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'SWR01', MESSAGE = 'run not found', DETAIL = missing;
    END IF;
    INSERT INTO transitions (run_id, actor_id, actor_kind, from_state, to_state, event, payload, at)
      SELECT CASE WHEN EXISTS (SELECT 1 FROM runs WHERE runs.id = x.r) THEN x.r END, x.a, x.k, x.f, x.t, x.e, x.p, x.at
      FROM unnest(t_run, t_actor, t_kind, t_from, t_to, t_event, t_payload, t_at)
        WITH ORDINALITY AS x(r, a, k, f, t, e, p, at, o)
      ORDER BY x.o;
  END IF;

  FOR i IN 1 .. coalesce(cardinality(r_id), 0) LOOP
    m := r_mask[i];
    IF m = 0 THEN
      PERFORM 1 FROM runs WHERE id = r_id[i];
    ELSE
      UPDATE runs SET
        status          = CASE WHEN m & 1 <> 0 THEN r_status[i] ELSE status END,
        completed_tasks = CASE WHEN m & 2 <> 0 THEN r_completed[i] ELSE completed_tasks END,
        failed_tasks    = CASE WHEN m & 4 <> 0 THEN r_failed[i] ELSE failed_tasks END,
        finished_at     = CASE WHEN m & 8 <> 0 THEN r_finished_at[i] ELSE finished_at END
      WHERE id = r_id[i];
    END IF;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'SWR01', MESSAGE = 'run not found', DETAIL = r_id[i];
    END IF;
  END LOOP;

  FOR i IN 1 .. coalesce(cardinality(k_run), 0) LOOP
    m := k_mask[i];
    IF m = 0 THEN
      PERFORM 1 FROM tasks WHERE run_id = k_run[i] AND name = k_name[i];
    ELSE
      UPDATE tasks SET
        status          = CASE WHEN m & 1 <> 0 THEN k_status[i] ELSE status END,
        attempts        = CASE WHEN m & 2 <> 0 THEN k_attempts[i] ELSE attempts END,
        output          = CASE WHEN m & 4 <> 0 THEN k_output[i] ELSE output END,
        error           = CASE WHEN m & 8 <> 0 THEN k_error[i] ELSE error END,
        node            = CASE WHEN m & 16 <> 0 THEN k_node[i] ELSE node END,
        rollback_output = CASE WHEN m & 32 <> 0 THEN k_rollback_output[i] ELSE rollback_output END,
        rollback_error  = CASE WHEN m & 64 <> 0 THEN k_rollback_error[i] ELSE rollback_error END,
        reused          = CASE WHEN m & 128 <> 0 THEN k_reused[i] ELSE reused END,
        started_at      = CASE WHEN m & 256 <> 0 THEN k_started_at[i] ELSE started_at END,
        finished_at     = CASE WHEN m & 512 <> 0 THEN k_finished_at[i] ELSE finished_at END
      WHERE run_id = k_run[i] AND name = k_name[i];
    END IF;
    IF NOT FOUND THEN
      IF EXISTS (SELECT 1 FROM runs WHERE id = k_run[i]) THEN
        RAISE EXCEPTION USING ERRCODE = 'SWT01', MESSAGE = 'task not found', DETAIL = json_build_array(k_run[i], k_name[i])::text;
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'SWR01', MESSAGE = 'run not found', DETAIL = k_run[i];
    END IF;
  END LOOP;

  -- The client sends each node id once (the last record of it in the batch wins, as in SQLite).
  IF cardinality(n_id) > 0 THEN
    INSERT INTO nodes (id, kind, status, capacity, running, capabilities, last_seen_at, started_at)
      SELECT * FROM unnest(n_id, n_kind, n_status, n_capacity, n_running, n_capabilities, n_last_seen_at, n_started_at)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, capacity = excluded.capacity,
        running = excluded.running, capabilities = excluded.capabilities, last_seen_at = excluded.last_seen_at,
        started_at = excluded.started_at;
  END IF;
END
$fn$;
`;
