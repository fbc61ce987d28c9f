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
 * moves its task (found with `taskOf`): an assignment counts an attempt (one given back
 * unstarted, `task.returned`, takes it back), and the attempts and
 * node a resumed or compensating task starts from are taken over, as the projections do.
 */
export function applyRow(row: ViewRow, runState: string, taskOf: (name: string) => ViewTask | undefined): string {
  if (row.actorKind === 'coordinator') return row.to;
  if (row.actorKind !== 'task' || !row.actorId.startsWith('task:')) return runState;
  const task = taskOf(row.actorId.slice('task:'.length));
  if (!task) return runState;
  task.state = row.to;
  if (row.event === 'task.assign') task.attempts += 1;
  // Given back unstarted: that assignment was no attempt.
  else if (row.event === 'task.returned') task.attempts -= 1;
  const { attempts, node } = placement(row);
  if (attempts !== undefined) task.attempts = attempts;
  if (node !== undefined) task.node = node;
  return runState;
}

/** Events whose payload places a task (a node, attempts made): only these are decoded. */
const PLACING = new Set(['task.assign', 'task.recover', 'task.recoverRollback', 'task.compensate']);

function placement(row: ViewRow): { attempts?: number; node?: string } {
  if (!PLACING.has(row.event)) return {};
  const payload = (row.payload ?? {}) as { node?: unknown; attempts?: unknown };
  return {
    ...(typeof payload.attempts === 'number' && { attempts: payload.attempts }),
    ...(typeof payload.node === 'string' && { node: payload.node }),
  };
}

/**
 * What a stretch of rows does to a view, in a few bytes per task instead of the rows: each
 * task's last state, its attempts (a count to add, or a number to set), its last node; the
 * run's last state. The dashboard's live socket sends these (`view: "states"`) so a page open
 * on a 100k-task run does not receive, nor the dispatcher encode, half a million rows.
 * `applySummary` on a view gives exactly what `applyRow` on each row would.
 */
export interface RowsSummary {
  /** The last seq summarized. */
  lastSeq: number;
  /** How many rows it stands for. */
  rows: number;
  /** The run's state after them, when a coordinator row was among them. */
  runState: string | null;
  /** Task name → [state, attempts to add or set, 'add' | 'set', node or null for unchanged]. */
  tasks: Record<string, [string, number, 'add' | 'set', string | null]>;
}

export function summarizeRows(rows: readonly ViewRow[]): RowsSummary {
  const summary: RowsSummary = { lastSeq: rows.at(-1)?.seq ?? 0, rows: rows.length, runState: null, tasks: {} };
  for (const row of rows) {
    if (row.actorKind === 'coordinator') summary.runState = row.to;
    if (row.actorKind !== 'task' || !row.actorId.startsWith('task:')) continue;
    const name = row.actorId.slice('task:'.length);
    const change = (summary.tasks[name] ??= ['', 0, 'add', null]);
    change[0] = row.to;
    if (row.event === 'task.assign') change[1] += 1;
    else if (row.event === 'task.returned') change[1] -= 1;
    const { attempts, node } = placement(row);
    if (attempts !== undefined) {
      change[1] = attempts;
      change[2] = 'set';
    }
    if (node !== undefined) change[3] = node;
  }
  return summary;
}

export function applySummary(summary: RowsSummary, runState: string, taskOf: (name: string) => ViewTask | undefined): string {
  for (const [name, [state, attempts, how, node]] of Object.entries(summary.tasks)) {
    const task = taskOf(name);
    if (!task) continue;
    task.state = state;
    task.attempts = how === 'set' ? attempts : task.attempts + attempts;
    if (node !== null) task.node = node;
  }
  return summary.runState ?? runState;
}

/**
 * A time cursor as every view of a run names it: past the journal's last row, the last; before
 * its first, the first (never null, which reads as live). Unchanged when the journal is empty.
 */
export function clampSeq(at: number, firstSeq: number | null, lastSeq: number | null): number {
  if (lastSeq !== null && at > lastSeq) return lastSeq;
  if (firstSeq !== null && at < firstSeq) return firstSeq;
  return at;
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
