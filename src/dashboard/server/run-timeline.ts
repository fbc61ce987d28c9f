import { AttemptFold, type AttemptRecord } from '../../attempt-history.ts';
import { rowsUpTo } from '../../journal-view.ts';
import { UsageError } from '../../errors.ts';
import { isFinishedRun, type RunListing, type SwarmStore, type TransitionRecord } from '../../store/types.ts';
import { interruption } from '../../run-liveness.ts';
import { readRowsAfter } from '../../store/bulk-journal-reader.ts';
import type { RunTimeline, TimelineBar, TimelineRow } from '../wire.ts';
import { intParam, textParam } from './query-params.ts';

/**
 * GET /api/runs/:id/timeline[?at=SEQ][&by=task|node][&offset=N][&limit=N]: attempts over time
 * (queue wait, run time, result, node; rollbacks apart), read from the journal up to the
 * cursor. One row per task (`by=task`, in the order tasks first became ready, a page of
 * `limit` from `offset`) or one lane per node (`by=node`, each lane's latest bars). The answer
 * is bounded whatever the run's size: the page draws at most a screenful, and `t0`/`t1` span
 * every attempt so a page of rows sits on the whole run's time axis.
 *
 * Live (no `at`), each run's fold is kept and fed only the rows committed since the last
 * request (TimelineFolds), so a page open on a big run that refreshes its timeline costs the
 * dispatcher the new rows, not the journal.
 */

const DEFAULT_ROWS = 100;
const MAX_ROWS = 500;
/** Bars per node lane: the latest this many (a lane of a 100k-task run holds 50k). */
const MAX_LANE_BARS = 2000;
/** Runs whose live fold is kept. */
const KEPT_RUNS = 4;

/** Live timelines' folds, per run, each caught up on request. */
export class TimelineFolds {
  private readonly folds = new Map<string, AttemptFold>();

  caughtUp(store: SwarmStore, runId: string): AttemptFold {
    let fold = this.folds.get(runId);
    if (fold) this.folds.delete(runId); // re-inserted last: least recently used goes first
    fold ??= new AttemptFold({ keepOutputs: false });
    this.folds.set(runId, fold);
    if (this.folds.size > KEPT_RUNS) this.folds.delete(this.folds.keys().next().value!);
    // Rows whose payloads are decoded only where the fold reads them (most rows it does not).
    readRowsAfter(store, runId, fold.lastSeq, (rows) => fold.readAll(rows));
    return fold;
  }
}

export function runTimeline(store: SwarmStore, folds: TimelineFolds, run: RunListing, at: number | null, params: URLSearchParams): RunTimeline {
  const runId = run.id;
  const by = textParam(params, 'by') ?? 'task';
  if (by !== 'task' && by !== 'node') throw new UsageError(`by expects "task" or "node" (got "${by.slice(0, 40)}").`);
  const offset = intParam(params, 'offset', 0);
  const limit = Math.max(1, intParam(params, 'limit', DEFAULT_ROWS, MAX_ROWS));
  let fold: AttemptFold;
  let cut: TransitionRecord | undefined;
  if (at === null) {
    fold = folds.caughtUp(store, runId);
  } else {
    // A cursor is a one-off: folded from scratch, not kept.
    const rows = rowsUpTo(store.getTransitions(runId), at);
    fold = new AttemptFold({ keepOutputs: false });
    fold.readAll(rows);
    cut = rows.at(-1);
  }
  // Where a bar with no end stops: the clock while the run goes on, the cursor's row, the
  // finished run's end (an attempt its dead process held and nothing took up ends no later), or
  // an interrupted run's last row (nothing has moved it since; its page does not grow it).
  const finishedAt = isFinishedRun(run.status) ? run.finishedAt : null;
  const interrupted = at === null && finishedAt === null && interruption(store, run) !== null;
  const stoppedAt = finishedAt ?? (interrupted ? fold.lastAt : null);
  const now = at !== null ? (cut?.at ?? Date.now()) : (stoppedAt ?? Date.now());
  const live = at === null && stoppedAt === null;
  const byTask = [...fold.attempts()].filter(([, attempts]) => attempts.length > 0);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const [, attempts] of byTask) {
    for (const a of attempts) {
      const start = a.readyAt ?? a.assignedAt ?? a.startedAt ?? a.endedAt;
      if (start !== null && start < t0) t0 = start;
      const end = endOf(a) ?? now;
      if (end > t1) t1 = end;
    }
  }
  const bar = (task: string, record: AttemptRecord): TimelineBar => {
    const { error: _e, output: _o, fromRun: _f, interruptedAt: _i, ...a } = record;
    return { task, ...a, endedAt: endOf(record) };
  };
  let rows: TimelineRow[];
  let total: number;
  if (by === 'task') {
    total = byTask.length;
    rows = byTask.slice(offset, offset + limit).map(([task, attempts]) => ({ label: task, bars: attempts.map((a) => bar(task, a)), more: 0 }));
  } else {
    const lanes = new Map<string, TimelineBar[]>();
    for (const [task, attempts] of byTask) {
      for (const a of attempts) {
        const node = a.node ?? '(no node)';
        let lane = lanes.get(node);
        if (!lane) lanes.set(node, (lane = []));
        lane.push(bar(task, a));
      }
    }
    total = lanes.size;
    rows = [...lanes]
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(offset, offset + limit)
      .map(([label, bars]) => {
        bars.sort((x, y) => (x.startedAt ?? x.assignedAt ?? x.endedAt ?? 0) - (y.startedAt ?? y.assignedAt ?? y.endedAt ?? 0));
        return { label, bars: bars.slice(-MAX_LANE_BARS), more: Math.max(0, bars.length - MAX_LANE_BARS) };
      });
  }
  return { runId, at, now, live, by, t0: t0 === Infinity ? null : t0, t1: t1 === -Infinity ? null : t1, offset, total, rows };
}

/** Where an attempt's bar ends, if it has ended: one cut short by its process's death, at the takeover. */
function endOf(a: AttemptRecord): number | null {
  return a.endedAt ?? a.interruptedAt ?? null;
}
