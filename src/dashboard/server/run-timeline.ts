import { attemptHistory, type AttemptRecord } from '../../attempt-history.ts';
import { rowsUpTo } from '../../journal-view.ts';
import type { SwarmStore } from '../../store/types.ts';

/**
 * GET /api/runs/:id/timeline[?at=SEQ]: every attempt of every task (queue wait, run time,
 * result, node; rollbacks apart), read from the journal up to the cursor, for the timeline's
 * task rows and node lanes. `now` is the server's clock, to draw attempts still running.
 */
export interface RunTimeline {
  runId: string;
  at: number | null;
  now: number;
  tasks: { name: string; attempts: AttemptRecord[] }[];
}

export function runTimeline(store: SwarmStore, runId: string, at: number | null): RunTimeline {
  const rows = store.getTransitions(runId);
  const cut = rowsUpTo(rows, at);
  const byTask = attemptHistory(cut);
  return {
    runId,
    at,
    now: at === null ? Date.now() : (cut.at(-1)?.at ?? Date.now()),
    tasks: [...byTask].filter(([, attempts]) => attempts.length > 0).map(([name, attempts]) => ({ name, attempts })),
  };
}
