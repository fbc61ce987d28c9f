import type { Command } from 'commander';
import { readRunResult } from '../../run-result.ts';
import { action } from '../action.ts';
import { openStoredRun } from '../context.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';
import { runHeader, taskTable } from '../tables.ts';

/**
 * `swarm show <run> [config] [--json] [--db PATH]`: one run's header and task table; `<run>`
 * may be a unique prefix of the id. JSON: the RunResult (as `swarm run --json` prints it).
 * Unknown run → exit 2; an ambiguous prefix → exit 2 listing the candidates.
 */
export function registerShow(program: Command): void {
  program
    .command('show')
    .description("one run's tasks, attempts, outputs and errors")
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the run result as JSON')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { json?: boolean; db?: string }) => {
        const { store, run } = await openStoredRun(ref, configPath, opts.db);
        const result = readRunResult(store, run.id)!;
        if (opts.json) await printJson(result);
        else await out(`${runHeader(result, { manifestPath: run.manifestPath })}\n${taskTable(result.tasks)}`);
        return 0;
      }),
    );
}
