import Table from 'cli-table3';
import type { RunResult, TaskResult } from '../run-result.ts';
import type { RunRecord, TransitionRecord } from '../store/types.ts';
import { describeValue, formatClock, formatDateTime, formatDuration, span, truncate } from './output.ts';

/**
 * The tables the CLI prints (cli-table3). Colour only on a terminal, so piped output is plain
 * text. Cells are one line each: long outputs and errors are cut (use --json for all of it).
 */

function table(head: string[]): Table.Table {
  const tty = process.stdout.isTTY === true;
  return new Table({ head, style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [], compact: true } });
}

/** A task's output, or its error when it has one, for a table cell. */
export function taskOutcome(task: TaskResult, max = 60): string {
  if (task.error) {
    const rolledBack = task.status === 'rolled_back' ? ' (rolled back)' : '';
    return truncate(`${task.error.message}${rolledBack}`, max);
  }
  return truncate(describeValue(task.output), max);
}

/** symbol, status, attempts, node, duration, output or error. */
export function taskTable(tasks: TaskResult[]): string {
  const t = table(['symbol', 'status', 'attempts', 'node', 'duration', 'output / error']);
  for (const task of tasks) {
    const status = task.reused ? `${task.status} (reused)` : task.status;
    t.push([task.name, status, task.attempts, task.node ?? '', span(task.startedAt, task.finishedAt), taskOutcome(task)]);
  }
  return t.toString();
}

/** The line under a finished run's task table (`swarm run`, `swarm deploy`). */
export function runFinalLine(result: RunResult): string {
  const took = result.finishedAt !== null ? ` in ${formatDuration(result.finishedAt - result.createdAt)}` : '';
  const counts = `${result.completedTasks}/${result.totalTasks} tasks succeeded, ${result.failedTasks} failed`;
  return `Run ${result.runId} (${result.name}) ${result.status}${took}: ${counts}. Details: swarm show ${result.runId}`;
}

/** The lines above a run's task table. */
export function runHeader(run: RunResult, extra: { manifestPath?: string | null } = {}): string {
  const rows: [string, string][] = [
    ['run', run.runId],
    ['workflow', run.name],
    ['status', run.status],
    ['tasks', `${run.completedTasks}/${run.totalTasks} succeeded, ${run.failedTasks} failed`],
    ['created', formatDateTime(run.createdAt)],
  ];
  if (run.finishedAt !== null) rows.push(['finished', `${formatDateTime(run.finishedAt)} (${span(run.createdAt, run.finishedAt)})`]);
  if (run.replayOf) rows.push(['replay of', run.replayOf]);
  if (extra.manifestPath) rows.push(['manifest', extra.manifestPath]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** id, workflow, status, done/total, failed, created, duration, replay-of. Newest first, as given. */
export function runsTable(runs: RunRecord[]): string {
  const t = table(['run', 'workflow', 'status', 'done', 'failed', 'created', 'duration', 'replay of']);
  for (const run of runs) {
    t.push([
      run.id,
      truncate(run.name, 40),
      run.status,
      `${run.completedTasks}/${run.totalTasks}`,
      run.failedTasks,
      formatDateTime(run.createdAt),
      span(run.createdAt, run.finishedAt),
      run.replayOf ?? '',
    ]);
  }
  return t.toString();
}

/** seq, time, actor kind, actor id, from → to, event. */
export function historyTable(transitions: TransitionRecord[]): string {
  const t = table(['seq', 'time', 'kind', 'actor', 'transition', 'event']);
  for (const tr of transitions) {
    t.push([tr.seq, formatClock(tr.at), tr.actorKind, truncate(tr.actorId, 48), `${tr.from ?? '∅'} → ${tr.to}`, tr.event]);
  }
  return t.toString();
}
