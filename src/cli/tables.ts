import { cellText } from '../terminal-text.ts';
import type { RowConcerns } from './history-concerns.ts';
import { waitedMs, type AttemptRecord } from '../attempt-history.ts';
import { paintStatus } from './colour.ts';
import { TASKS_LISTED, type RunOutcome, type TaskResult } from '../run-result.ts';
import type { RunStory } from '../run-story.ts';
import { TASK_STATUSES, type RunListing, type TaskStatusCounts, type TransitionRecord } from '../store/types.ts';
import { renderTable, renderWrappingLast } from './table-render.ts';
import { describeValue, formatClock, formatDateTime, formatDuration, span, truncate } from './output.ts';

/**
 * The tables the CLI prints (cli-table3). Colour only on a terminal, so piped output is plain
 * text. Cells are one line each: long outputs and errors are cut (use --json for all of it).
 */

/** The colour an attempt's result takes: that of the task status it resembles. */
const RESULT_AS_STATUS: Record<string, string> = {
  timed_out: 'failed',
  not_started: 'failed',
  unservable: 'failed',
  interrupted: 'retrying',
  reused: 'succeeded',
};

/** Outputs are cut at this many characters in tables (--json has them whole); errors never are. */
const OUTPUT_CELL = 200;

/** A task's output, or its whole error when it has one, for a table cell. */
export function taskOutcome(task: TaskResult, max = OUTPUT_CELL): string {
  if (task.error) {
    const rolledBack = task.status === 'rolled_back' ? ' (rolled back)' : '';
    return `${task.error.message}${rolledBack}`;
  }
  return truncate(describeValue(task.output), max);
}

/**
 * symbol, status, attempts, node, duration, output or error (wrapped, never cut). `attempts`,
 * when given, times each task by its own attempts (first start to last end), so a later
 * compensation does not stretch it.
 */
function taskTable(tasks: TaskResult[], attempts?: ReadonlyMap<string, readonly AttemptRecord[]>): string {
  const head = ['symbol', 'status', 'attempts', 'node', 'duration', 'output / error'];
  const rows = tasks.map((task) => [
    task.name,
    paintStatus(task.status, task.reused ? `${task.status} (reused)` : task.status),
    String(task.attempts),
    task.node ?? '',
    attempts ? attemptsSpan(attempts.get(task.name) ?? []) : span(task.startedAt, task.finishedAt),
    taskOutcome(task),
  ]);
  return renderWrappingLast(head, rows);
}

/**
 * A run's task table: every task, or for a run of more than TASKS_LISTED tasks only those that
 * did not succeed (the first TASKS_LISTED, as readRunOutcome lists them), with a line that says
 * what is left out and what lists every task (`everyTask`: a command, or a dispatcher's route;
 * null when nothing can, the database having been in memory).
 */
export function runTaskTable(
  outcome: RunOutcome,
  attempts?: ReadonlyMap<string, readonly AttemptRecord[]>,
  everyTask: string | null = `swarm show ${outcome.runId} --json`,
): string {
  const total = outcome.totalTasks;
  if (total <= TASKS_LISTED) return taskTable(outcome.tasks, attempts);
  const notSucceeded = total - (outcome.statusCounts.succeeded ?? 0);
  const hint = everyTask === null ? 'the database was in memory, and is gone' : `${everyTask} lists every task`;
  if (notSucceeded === 0) return `(all ${total} tasks succeeded; the task table is left out above ${TASKS_LISTED} tasks: ${hint})`;
  return `${taskTable(outcome.tasks, attempts)}\n(${listedTasks(outcome.tasks.length, notSucceeded, total)}; ${hint})`;
}

/** Which tasks a big run's table lists: `shown` of the `notSucceeded` of its `total`. */
function listedTasks(shown: number, notSucceeded: number, total: number): string {
  if (shown < notSucceeded) {
    return notSucceeded === total
      ? `the first ${shown} of the ${total} tasks, none of which succeeded`
      : `the first ${shown} of the ${notSucceeded} tasks that did not succeed, out of ${total}`;
  }
  return shown === 1 ? `the one task of ${total} that did not succeed` : `the ${shown} tasks of ${total} that did not succeed`;
}

/**
 * From the first attempt's start to the last one's end (rollbacks not counted); blank while the
 * last attempt runs, and for a task none of whose attempts started (it has no run time, as its
 * row's startedAt says: the run summary times it by that row). An earlier attempt without an
 * end was cut short by a crash (its process died; the attempt after it is the one that counts).
 */
function attemptsSpan(records: readonly AttemptRecord[]): string {
  const runs = records.filter((r) => r.kind === 'run' && (r.startedAt ?? r.assignedAt) !== null);
  const last = runs.at(-1);
  const firstStart = runs.find((r) => r.startedAt !== null)?.startedAt ?? null;
  if (!last || last.endedAt === null || firstStart === null) return '';
  const ends = runs.flatMap((r) => (r.endedAt === null ? [] : [r.endedAt]));
  return span(firstStart, Math.max(...ends));
}

/**
 * The rollbacks that ran, apart from the run's own work (when, how long, how they ended), in the
 * order they ran (a compensation undoes newest first), the first TASKS_LISTED. `total`: how many
 * there were, when `tasks` are only some of the run's (a big run's listed tasks).
 * `everyRollback`: what lists them all (null: nothing can, the database having been in memory).
 */
export function compensationTable(
  tasks: TaskResult[],
  attempts: ReadonlyMap<string, readonly AttemptRecord[]>,
  total: number | undefined,
  everyRollback: string | null,
): string | null {
  const head = ['symbol', 'started', 'took', 'result', 'output / error'];
  const ran: { name: string; r: AttemptRecord }[] = [];
  for (const task of tasks) for (const r of attempts.get(task.name) ?? []) if (r.kind === 'rollback') ran.push({ name: task.name, r });
  // In the order they ran: by start, then (several in one millisecond) by journal order. Stable:
  // rollbacks that never started keep the tasks' order, after those that did.
  const startedAt = (x: { r: AttemptRecord }) => x.r.startedAt ?? Number.MAX_SAFE_INTEGER;
  const seq = (x: { r: AttemptRecord }) => x.r.startSeq ?? Number.MAX_SAFE_INTEGER;
  ran.sort((a, b) => startedAt(a) - startedAt(b) || seq(a) - seq(b));
  const rows = ran.map(({ name, r }) => [
    name,
    r.startedAt !== null ? formatDateTime(r.startedAt) : '',
    span(r.startedAt, r.endedAt),
    paintStatus(r.result, r.result.replace('_', ' ')),
    r.error ? `${r.error.code}: ${r.error.message}` : truncate(describeValue(r.output), OUTPUT_CELL),
  ]);
  if (rows.length === 0) return null;
  const shown = rows.slice(0, TASKS_LISTED);
  const all = Math.max(rows.length, total ?? 0);
  const where = everyRollback === null ? 'the database was in memory, and is gone' : `${everyRollback} has them all`;
  const more = all > shown.length ? `\n(the first ${shown.length} of ${all} rollbacks; ${where})` : '';
  return renderWrappingLast(head, shown) + more;
}

/** One task's attempts (show --attempts): where each ran, how long it waited and ran, how it ended. */
export function attemptsTable(attempts: readonly AttemptRecord[]): string {
  const head = ['#', 'kind', 'node', 'ready', 'waited', 'ran', 'result', 'error / output'];
  const rows = attempts.map((a) => [
    a.attempt === null ? '' : String(a.attempt),
    a.kind,
    a.node ?? '',
    a.readyAt !== null ? formatClock(a.readyAt) : a.startedAt !== null ? formatClock(a.startedAt) : '',
    ((waited) => (waited === null ? '' : formatDuration(waited)))(waitedMs(a)),
    span(a.startedAt, a.endedAt),
    paintStatus(RESULT_AS_STATUS[a.result] ?? a.result, a.kind === 'reuse' ? `reused from ${a.fromRun}` : a.result.replace('_', ' ')),
    a.error ? `${a.error.code}: ${a.error.message}` : truncate(describeValue(a.output), OUTPUT_CELL),
  ]);
  return renderWrappingLast(head, rows);
}

/**
 * Every final status of a run's tasks, so the numbers add up to the total: "30 tasks: 26
 * succeeded, 1 failed, 3 skipped". Statuses in lifecycle order; those with no task are left out.
 */
export function taskCounts(total: number, counts: TaskStatusCounts): string {
  const parts = TASK_STATUSES.filter((s) => counts[s]).map((s) => paintStatus(s, `${counts[s]} ${s.replace('_', ' ')}`));
  return `${total} task${total === 1 ? '' : 's'}${parts.length ? ': ' + parts.join(', ') : ''}`;
}

/**
 * The line under a finished run's task table (`swarm run`, `swarm deploy`). `since`: when the
 * work shown began, if not at the run's creation (a rollback by request, a resumed run).
 * `details`: where to see more (the command for this host's database, a dispatcher's page).
 */
export function runFinalLine(result: RunOutcome, since = result.createdAt, details = `swarm show ${result.runId}`): string {
  // A `since` from another machine's clock may lie past the end: then the run's creation counts.
  const from = since <= (result.finishedAt ?? since) ? Math.max(since, result.createdAt) : result.createdAt;
  const took = result.finishedAt !== null ? ` in ${formatDuration(result.finishedAt - from)}` : '';
  return `Run ${result.runId} (${result.name}) ${paintStatus(result.status)}${took}: ${taskCounts(result.totalTasks, result.statusCounts)}. Details: ${details}`;
}

/** The lines above a run's task table. */
/** `interrupted`: for an interrupted run, what to do about it (run-liveness resumeHint). */
export function runHeader(run: RunOutcome, extra: { manifestPath?: string | null; interrupted?: string | null; story?: RunStory } = {}): string {
  const rows: [string, string][] = [
    ['run', run.runId],
    ['workflow', run.name],
    ['status', paintStatus(run.status, extra.interrupted ? `${run.status}, interrupted: ${extra.interrupted}` : run.status)],
    ['tasks', taskCounts(run.totalTasks, run.statusCounts)],
    ['created', formatDateTime(run.createdAt)],
  ];
  // The run's own end; a rollback by request later is a line of its own.
  const ended = extra.story?.endedAt ?? run.finishedAt;
  if (ended !== null) rows.push(['finished', `${formatDateTime(ended)} (${span(run.createdAt, ended)})`]);
  const rollback = extra.story?.rollback;
  if (rollback) {
    const how = rollback.status ? `${paintStatus(rollback.status)} in ${span(rollback.startedAt, rollback.endedAt)}` : 'running';
    rows.push(['rollback', `${formatDateTime(rollback.startedAt)}, by request: ${how}`]);
  }
  if (run.replayOf) rows.push(['replay of', run.replayOf]);
  if (extra.manifestPath) rows.push(['manifest', extra.manifestPath]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** id, workflow, status, done/total, failed, created, duration, replay-of. Newest first, as given. */
export function runsTable(runs: RunListing[], interrupted: ReadonlySet<string> = new Set(), endedAt: ReadonlyMap<string, number> = new Map()): string {
  const head = ['run', 'workflow', 'status', 'done', 'failed', 'created', 'duration', 'replay of'];
  const rows = runs.map((run) => [
    run.id,
    // Escaped before the layout measures it (a workflow's name is any text).
    cellText(truncate(run.name, 40)),
    paintStatus(run.status, interrupted.has(run.id) ? `${run.status} (interrupted)` : run.status),
    `${run.completedTasks}/${run.totalTasks}`,
    run.failedTasks,
    formatDateTime(run.createdAt),
    span(run.createdAt, endedAt.get(run.id) ?? run.finishedAt),
    run.replayOf ?? '',
  ]);
  return renderTable(head, rows);
}

/** The history table's columns: seq, time, actor kind, actor id, from → to, event, the attempt it concerns, its error (wrapped). */
export const HISTORY_HEAD = ['seq', 'time', 'kind', 'actor', 'transition', 'event', 'attempt', 'error'];

/** One transition as a row of the history table, with what it concerns (see HistoryConcerns). */
export function historyRow(tr: TransitionRecord, { attempt, error }: RowConcerns): string[] {
  return [
    String(tr.seq),
    formatClock(tr.at),
    tr.actorKind,
    truncate(tr.actorId, 48),
    `${tr.from ?? '∅'} → ${tr.to}`,
    tr.event,
    attempt === null ? '' : String(attempt),
    error === null ? '' : `${error.code}: ${error.message}`,
  ];
}

export function historyTable(rows: readonly (readonly [TransitionRecord, RowConcerns])[]): string {
  return renderWrappingLast(HISTORY_HEAD, rows.map(([tr, concerns]) => historyRow(tr, concerns)));
}
