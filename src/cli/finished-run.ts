import type { RunJournalDetail } from '../run-journal-detail.ts';
import type { RunOutcome } from '../run-result.ts';
import { compensationTable, runFinalLine, runTaskTable } from './tables.ts';

/**
 * What is printed under a finished run (`run`, `deploy`, `replay`, `rollback`): its task table
 * and final line, or the line alone (--quiet). With the journal's detail, the tasks keep their
 * own time (their attempts) and the rollbacks are listed apart, as `swarm show` has them: the
 * stored rows of a rolled-back task end when its rollback did, and those of a task cancelled
 * while it waited to retry at the cancel. The line of a rollback by request counts the
 * rollback's own time.
 */
export function finishedRunText(
  outcome: RunOutcome,
  options: { since?: number; details: string; everyTask: string | null; everyRollback: string | null; quiet?: boolean; detail?: RunJournalDetail },
): string {
  const rollback = options.detail?.story.rollback ?? null;
  const line = runFinalLine(outcome, rollback?.startedAt ?? options.since, options.details);
  if (options.quiet) return line;
  if (!options.detail) return `${runTaskTable(outcome, undefined, options.everyTask)}\n${line}`;
  const attempts = new Map(Object.entries(options.detail.attempts));
  const rolledBack = rolledBackCount(outcome);
  const compensations = compensationTable(outcome.tasks, attempts, outcome.tasks.length < outcome.totalTasks ? rolledBack : undefined, options.everyRollback);
  return [runTaskTable(outcome, attempts, options.everyTask), ...(compensations ? ['', 'rollbacks:', compensations] : []), line].join('\n');
}

/** Tasks whose rollback ran (rolled back, or their rollback failed). */
export function rolledBackCount(outcome: RunOutcome): number {
  return (outcome.statusCounts.rolled_back ?? 0) + (outcome.statusCounts.rollback_failed ?? 0);
}
