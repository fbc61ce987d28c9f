import { applyRow } from '../../journal-view.ts';
import type { Row, RunState } from './types.ts';

/**
 * Applies journal rows pushed by the server to a "now" view of the run: a task actor's row
 * moves its task to the row's state (an `assigned` counts an attempt, as the projection does);
 * a coordinator row moves the run. The same rows the projections are computed from, so the
 * view stays what a reload would show.
 */
export function applyRows(state: RunState, rows: readonly Row[]): RunState {
  if (rows.length === 0) return state;
  const tasks = new Map(state.tasks.map((t) => [t.name, { ...t }]));
  let runState = state.runState;
  for (const row of rows) runState = applyRow(row, runState, (name) => tasks.get(name));
  const last = rows[rows.length - 1].seq;
  return {
    ...state,
    runState,
    tasks: [...tasks.values()],
    firstSeq: state.firstSeq ?? rows[0].seq,
    lastSeq: Math.max(state.lastSeq ?? 0, last),
    rows: state.rows + rows.length,
  };
}

/** Task counts by state, most first. */
export function countByState(state: RunState): [string, number][] {
  const counts = new Map<string, number>();
  for (const t of state.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
