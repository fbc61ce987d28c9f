import { applySummary, type RowsSummary } from '../../journal-view.ts';
import type { RunState, TaskState } from './types.ts';

/**
 * Moves a "now" view of the run by the summaries the server pushes (what the journal rows since
 * the last one did to each task: journal-view.ts), so the view stays what a reload would show.
 * The tasks are changed in place through an index built once per view, so a summary costs the
 * tasks it names, not the run's size; the state returned is a new object, for the page to draw.
 */
const indexes = new WeakMap<TaskState[], Map<string, TaskState>>();

/** The view's tasks by name, built once per view. */
export function taskIndex(state: RunState): Map<string, TaskState> {
  let index = indexes.get(state.tasks);
  if (!index) indexes.set(state.tasks, (index = new Map(state.tasks.map((t) => [t.name, t]))));
  return index;
}

/**
 * Beyond this many tasks a run's page redraws and re-reads less often: each drawing walks all
 * its tasks, and the browser may share the dispatcher's CPUs.
 */
export const BIG_RUN_TASKS = 10_000;

/** How often pushed summaries are applied and drawn. */
export function applyEveryMs(taskCount: number): number {
  return taskCount > BIG_RUN_TASKS ? 1000 : 250;
}

export function applySummaries(state: RunState, summaries: readonly RowsSummary[]): RunState {
  if (summaries.length === 0) return state;
  const index = taskIndex(state);
  let runState = state.runState;
  for (const summary of summaries) runState = applySummary(summary, runState, (name) => index.get(name));
  return {
    ...state,
    runState,
    // New rows: something moves the run again (a resume took it up).
    interrupted: false,
    lastSeq: Math.max(state.lastSeq ?? 0, summaries[summaries.length - 1].lastSeq),
    rows: state.rows + summaries.reduce((n, s) => n + s.rows, 0),
  };
}

/** Task counts by state, most first. */
export function countByState(state: RunState): [string, number][] {
  const counts = new Map<string, number>();
  for (const t of state.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
