import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { openStoredRun } from '../context.ts';
import { watchRun } from '../watch/watch-session.ts';
import { swarmCommandLine } from '../../command-line.ts';

/**
 * `swarm watch <run> [config] [--db PATH]`: a live terminal view of one run for people on SSH:
 * its tasks with icons, what runs on which node, the journal's tail, and a seq cursor the keys
 * move back and forth (re-simulated as `replay --simulate --at` does). Reads the database, so
 * it watches a run hosted by `swarm run` or by a dispatcher on the same file. q quits.
 */
export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(summaryOf('watch'))
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { db?: string }) => {
        if (!process.stdin.isTTY || !process.stdout.isTTY) {
          throw new UsageError('swarm watch draws on a terminal (stdin and stdout); elsewhere use `swarm show` or `swarm history`.');
        }
        const { config, store, run } = await openStoredRun(ref, configPath, opts.db);
        const backoff = { base: config.coordinator.retry_backoff_base, max: config.coordinator.retry_backoff_max };
        const resume = swarmCommandLine(['run', '--resume', run.id], configPath, opts.db);
        await watchRun(store, run, { input: process.stdin, output: process.stdout }, backoff, resume);
        return 0;
      }),
    );
}
