/**
 * Reading a run's state straight off its journal rows: what `swarm watch` and the dashboard's
 * live page show between re-simulations. Plain functions over a minimal row shape (the browser
 * page imports this file too).
 */
export interface ViewRow {
  seq: number;
  actorKind: string;
  actorId: string;
  to: string;
  event: string;
  payload: unknown;
}

/** A task as a view keeps it: its state, where its attempt runs, how many attempts it made. */
export interface ViewTask {
  state: string;
  node: string | null;
  attempts: number;
}

/**
 * Applies one row to the view: a coordinator row moves the run (returned), a task actor's row
 * moves its task (found with `taskOf`): an assignment counts an attempt, and the attempts and
 * node a resumed or compensating task starts from are taken over, as the projections do.
 */
export function applyRow(row: ViewRow, runState: string, taskOf: (name: string) => ViewTask | undefined): string {
  if (row.actorKind === 'coordinator') return row.to;
  if (row.actorKind !== 'task' || !row.actorId.startsWith('task:')) return runState;
  const task = taskOf(row.actorId.slice('task:'.length));
  if (!task) return runState;
  task.state = row.to;
  const payload = (row.payload ?? {}) as { node?: unknown; attempts?: unknown };
  if (row.event === 'task.assign') task.attempts += 1;
  if (typeof payload.attempts === 'number') task.attempts = payload.attempts;
  if (typeof payload.node === 'string') task.node = payload.node;
  return runState;
}

/** The rows with seq ≤ `at` (all when null); the journal is ordered by seq. */
export function rowsUpTo<R extends { seq: number }>(rows: readonly R[], at: number | null): readonly R[] {
  if (at === null) return rows;
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].seq <= at) lo = mid + 1;
    else hi = mid;
  }
  return rows.slice(0, lo);
}
