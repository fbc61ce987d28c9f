import type { Command } from 'commander';
import { attemptHistory } from '../../attempt-history.ts';
import { interruption, resumeHint } from '../../run-liveness.ts';
import { readRunJournalDetail } from '../../run-journal-detail.ts';
import { readRunOutcome, readRunResult } from '../../run-result.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { openStoredRun } from '../context.ts';
import { showCommandLine, swarmCommandLine } from '../../command-line.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';
import { attemptsTable, compensationTable, runHeader, runTaskTable } from '../tables.ts';
import { rolledBackCount } from '../finished-run.ts';

/**
 * `swarm show <run> [config] [--attempts] [--json] [--db PATH]`: one run's header and task table
 * (and with --attempts each task's attempts, read from the journal); `<run>`
 * may be a unique prefix of the id. JSON: the RunResult (as `swarm run --json` prints it).
 * Unknown run → exit 2; an ambiguous prefix → exit 2 listing the candidates.
 */
export function registerShow(program: Command): void {
  program
    .command('show')
    .description(summaryOf('show'))
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--attempts', "also every task's attempts: node, times, result, error (JSON: each task's attemptLog)")
    .option('--json', 'print the run result as JSON')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { json?: boolean; db?: string; attempts?: boolean }) => {
        const { store, run } = await openStoredRun(ref, configPath, opts.db);
        const why = interruption(store, run);
        const interrupted = why !== null;
        if (opts.json) {
          const result = readRunResult(store, run.id)!;
          const attempts = opts.attempts ? attemptHistory(store.getTransitions(run.id)) : null;
          const tasks = attempts ? result.tasks.map((t) => ({ ...t, attemptLog: attempts.get(t.name) ?? [] })) : result.tasks;
          // Only when true: a finished run's `show --json` is exactly what `run --json` printed.
          await printJson({ ...result, ...(interrupted && { interrupted }), tasks });
          return 0;
        }
        // The journal tells each task's own time and the compensation apart from the run's work.
        // Of a big run, only what the table lists is read: its tasks' rows and the coordinator's.
        const outcome = readRunOutcome(store, run.id)!;
        const detail = readRunJournalDetail(store, outcome);
        const attempts = new Map(Object.entries(detail.attempts));
        const story = detail.story;
        const everyTask = `${showCommandLine(run.id, configPath, opts.db)} --json`;
        await out(`${runHeader(outcome, { manifestPath: run.manifestPath, interrupted: why && resumeHint(run.id, why, swarmCommandLine(['run', '--resume', run.id], configPath, opts.db)), story })}\n${runTaskTable(outcome, attempts, everyTask)}`);
        // Of a big run the table has the listed tasks; the counts say how many were rolled back.
        const compensation = compensationTable(
          outcome.tasks,
          attempts,
          outcome.tasks.length < outcome.totalTasks ? rolledBackCount(outcome) : undefined,
          `${everyTask} --attempts`,
        );
        if (compensation) await out(`\nrollbacks:\n${compensation}`);
        if (opts.attempts) {
          // The attempts of the tasks the table lists (of a big run, those that did not succeed).
          for (const task of outcome.tasks) {
            const log = attempts.get(task.name) ?? [];
            if (log.length > 0) await out(`\n${task.name} (${task.status}):\n${attemptsTable(log)}`);
          }
        }
        return 0;
      }),
    );
}
