import { attemptHistory } from '../../attempt-history.ts';
import { HttpError } from '../../server/http.ts';
import { visibleJson } from '../../visible-text.ts';
import type { Manifest } from '../../manifest/types.ts';
import { toTaskResult } from '../../run-result.ts';
import { readActorJournal } from '../../store/bulk-journal-reader.ts';
import { plainTransition } from '../../store/stored-rows.ts';
import type { RunRecord, SwarmStore } from '../../store/types.ts';
import { rowsUpTo } from '../../journal-view.ts';
import { rowsForClients } from './rows-for-clients.ts';
import type { TaskDetail } from '../wire.ts';

/**
 * GET /api/runs/:id/tasks/:name[?at=SEQ]: what the task drawer shows — the symbol as declared,
 * its stored result (now), its attempts and its own journal rows as of the cursor (attempts
 * are read from the journal by attempt-history.ts, so they are right at any seq), and the
 * states its actor went through, for the statechart's highlighted path.
 */

export class UnknownTaskError extends HttpError {
  constructor(runId: string, name: string) {
    super(404, 'TASK_NOT_FOUND', `Run ${runId} has no symbol named ${visibleJson(name.slice(0, 200))}.`);
  }
}

export function taskDetail(store: SwarmStore, run: RunRecord, name: string, at: number | null): TaskDetail {
  const symbol = (run.manifest as Manifest).symbols.find((s) => s.name === name);
  if (!symbol) throw new UnknownTaskError(run.id, name);
  const rows = rowsUpTo(readActorJournal(store, run.id, `task:${name}`), at);
  const attempts = attemptHistory(rows).get(name) ?? [];
  // A row from no state starts the actor again: its states are a new list, not a transition.
  const path: string[][] = [];
  for (const row of rows) {
    if (row.from === null || path.length === 0) path.push(row.from === null ? [] : [row.from]);
    path.at(-1)!.push(row.to);
  }
  const task = store.getTask(run.id, name) ?? null;
  const reuse = attempts.find((a) => a.kind === 'reuse');
  return {
    runId: run.id,
    name,
    at,
    symbol,
    result: task ? toTaskResult(task) : null,
    state: rows.at(-1)?.to ?? 'pending',
    path,
    attempts,
    reusedFrom: reuse?.fromRun || (task?.reused ? run.replayOf : null),
    rows: rowsForClients(rows).map((r) => plainTransition(r)),
  };
}
