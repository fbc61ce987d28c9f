/**
 * swarm_commit, version 2 (migration 2): the group commit of commit-function.ts (version 1, kept
 * there as migration 1 created it; read its comment for the journal order and the patches),
 * plus lease fencing (../run-lease.ts). Three more parameters: for each leased run the batch
 * writes, its id (f_run) and the epoch its writer holds (f_epoch); and whether the batch is sent
 * again after its answer was lost (f_resent).
 *
 * Fencing, in the same transaction as the writes, and reading only:
 * 1. The journal's table lock is taken by every commit that has journal rows or leased runs —
 *    and a claim takes a conflicting one (ROW EXCLUSIVE, queries.ts claimLease) around its
 *    update of the lease. So a claim never falls between this commit's epoch check and its
 *    writes: the commit either ends before the claim (the claimer then reads its rows) or
 *    starts after it and sees the new epoch. No row lock, no extra row written per commit.
 * 2. A run whose lease row no longer has the epoch named is fenced: its task and coordinator
 *    rows and its patches are skipped, dispatcher and node rows naming it lose the run id.
 * 3. A resent batch (f_resent) that had landed is recognised by the journal of its first
 *    leased, unfenced run ending with exactly the batch's rows of that run (only the lease
 *    holder writes them, and it sends nothing newer first): nothing is written again.
 *
 * Returns NULL in the usual case, else JSON: {"duplicate": true} or {"fenced": [{runId,
 * heldEpoch, owner, epoch}, ...]}; the worker reads it (worker-ops.ts).
 */
export const FENCED_COMMIT_FUNCTION = `
CREATE FUNCTION swarm_commit(
  t_run text[], t_actor text[], t_kind text[], t_from text[], t_to text[], t_event text[], t_payload text[], t_at bigint[],
  r_id text[], r_mask int[], r_status text[], r_completed int[], r_failed int[], r_finished_at bigint[],
  k_run text[], k_name text[], k_mask int[], k_status text[], k_attempts int[], k_output text[], k_error text[],
  k_node text[], k_rollback_output text[], k_rollback_error text[], k_reused smallint[], k_started_at bigint[],
  k_finished_at bigint[],
  n_id text[], n_kind text[], n_status text[], n_capacity int[], n_running int[], n_capabilities text[],
  n_last_seen_at bigint[], n_started_at bigint[],
  f_run text[], f_epoch int[], f_resent boolean
) RETURNS text LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
  i int;
  m int;
  missing text;
  fenced text[] := '{}';
  report json[] := '{}';
  holder text;
  held int;
  probe text;
  n int;
BEGIN
  IF cardinality(t_run) > 0 OR cardinality(f_run) > 0 THEN
    LOCK TABLE transitions IN EXCLUSIVE MODE;
  END IF;

  -- One primary-key lookup per run (a loop: cheaper than a join for the one or two runs a
  -- batch has).
  FOR i IN 1 .. coalesce(cardinality(f_run), 0) LOOP
    holder := NULL;
    held := NULL;
    SELECT owner, epoch INTO holder, held FROM run_owners WHERE run_id = f_run[i];
    IF held IS DISTINCT FROM f_epoch[i] THEN
      fenced := fenced || f_run[i];
      report := report || json_build_object('runId', f_run[i], 'heldEpoch', f_epoch[i], 'owner', holder, 'epoch', held);
    END IF;
  END LOOP;

  IF cardinality(f_run) > 0 THEN
    IF f_resent THEN
      SELECT x.r INTO probe FROM unnest(t_run) WITH ORDINALITY AS x(r, o)
        WHERE x.r = ANY (f_run) AND NOT (x.r = ANY (fenced)) ORDER BY x.o LIMIT 1;
      IF probe IS NOT NULL THEN
        SELECT count(*) INTO n FROM unnest(t_run) AS x(r) WHERE x.r = probe;
        IF (SELECT array_agg(row(s.actor_id, s.actor_kind, s.from_state, s.to_state, s.event, s.payload, s.at)::text ORDER BY s.seq)
              FROM (SELECT * FROM transitions WHERE run_id = probe ORDER BY seq DESC LIMIT n) AS s)
           IS NOT DISTINCT FROM
           (SELECT array_agg(row(x.a, x.k, x.f, x.t, x.e, x.p, x.at)::text ORDER BY x.o)
              FROM unnest(t_run, t_actor, t_kind, t_from, t_to, t_event, t_payload, t_at) WITH ORDINALITY AS x(r, a, k, f, t, e, p, at, o)
              WHERE x.r = probe) THEN
          RETURN '{"duplicate":true}';
        END IF;
      END IF;
    END IF;
  END IF;

  IF cardinality(t_run) > 0 THEN
    -- The runs the rows name cannot be deleted until this commits.
    PERFORM 1 FROM runs WHERE id = ANY (t_run) FOR KEY SHARE;
    -- Dispatcher and node actors outlive runs: their rows naming a deleted (or fenced) run lose
    -- the run id. Any other row naming a missing run is a caller bug and fails the batch.
    SELECT x.r INTO missing FROM unnest(t_run, t_kind) AS x(r, k)
      WHERE x.r IS NOT NULL AND x.k NOT IN ('dispatcher', 'node') AND NOT (x.r = ANY (fenced))
        AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = x.r)
      LIMIT 1;
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'SWR01', MESSAGE = 'run not found', DETAIL = missing;
    END IF;
    INSERT INTO transitions (run_id, actor_id, actor_kind, from_state, to_state, event, payload, at)
      SELECT CASE WHEN NOT (x.r = ANY (fenced)) AND EXISTS (SELECT 1 FROM runs WHERE runs.id = x.r) THEN x.r END,
          x.a, x.k, x.f, x.t, x.e, x.p, x.at
      FROM unnest(t_run, t_actor, t_kind, t_from, t_to, t_event, t_payload, t_at)
        WITH ORDINALITY AS x(r, a, k, f, t, e, p, at, o)
      WHERE x.r IS NULL OR x.k IN ('dispatcher', 'node') OR NOT (x.r = ANY (fenced))
      ORDER BY x.o;
  END IF;

  FOR i IN 1 .. coalesce(cardinality(r_id), 0) LOOP
    CONTINUE WHEN r_id[i] = ANY (fenced);
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
    CONTINUE WHEN k_run[i] = ANY (fenced);
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

  IF cardinality(report) = 0 THEN
    RETURN NULL;
  END IF;
  RETURN json_build_object('fenced', array_to_json(report))::text;
END
$fn$;
`;
