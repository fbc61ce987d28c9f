import type { Command } from 'commander';
import { interruption, interruptionWords, listedRun } from '../../run-liveness.ts';
import { RUN_STATUSES } from '../../store/types.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig, openCliStore, parseCount } from '../context.ts';
import { out } from '../exit.ts';
import { runFilter, type RunFilterOptions } from '../filters.ts';
import { printJson } from '../output.ts';
import { runsTable } from '../tables.ts';
import { commandLineFor, swarmCommandLine } from '../../command-line.ts';

const DEFAULT_LIMIT = 20;

/**
 * `swarm runs [config] [--json] [--db PATH] [--limit N] [--status S,…] [--workflow NAME]
 * [--since WHEN]`: runs newest first (default the last 20; --limit 0 lists all), filtered.
 * JSON: `{"runs": [...]}`, each a ListedRun (src/run-liveness.ts).
 */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description(summaryOf('runs'))
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print {"runs": [...]} as JSON')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--limit <n>', `how many runs, newest first; 0 for all (default ${DEFAULT_LIMIT})`)
    .option('--status <list>', `only runs with these statuses, comma-separated (${RUN_STATUSES.join(', ')})`)
    .option('--workflow <name>', 'only runs of the workflow with this name')
    .option('--since <when>', 'only runs created since then: a duration back from now (2h, 7d) or a date (2026-12-01[T08:00])')
    .action(
      action(async (configPath: string | undefined, opts: { json?: boolean; db?: string; limit?: string } & RunFilterOptions) => {
        const limit = opts.limit === undefined ? DEFAULT_LIMIT : parseCount(opts.limit, '--limit');
        const filter = runFilter(opts);
        const { config } = await loadCliConfig(configPath, { db: opts.db, logs: false });
        const store = openCliStore(config);
        const filtered = opts.workflow !== undefined || opts.since !== undefined;
        const runs = filtered
          ? store.listRuns({ ...(filter.status && { status: filter.status }) }).filter(filter.accepts).slice(0, limit === 0 ? undefined : limit)
          : store.listRuns({ ...(limit !== 0 && { limit }), ...(filter.status && { status: filter.status }) });
        const listed = runs.map((r) => listedRun(store, r, commandLineFor(configPath, opts.db)));
        const interrupted = new Set(listed.filter((r) => r.interrupted).map((r) => r.runId));
        if (opts.json) await printJson({ runs: listed });
        else if (runs.length === 0 && (filtered || filter.status)) await out('No run matches these filters.');
        else if (runs.length === 0) await out(`No runs in ${store.location} yet; start one with \`swarm run <manifest>\`.`);
        else {
          // A run rolled back by hand later keeps its own duration (ListedRun.endedAt).
          const endedAt = new Map(listed.flatMap((r) => (r.endedAt === null ? [] : [[r.runId, r.endedAt] as const])));
          await out(runsTable(runs, interrupted, endedAt));
          if (interrupted.size > 0) {
            // Said as it is known: gone (dead on this host), or only its lease run out (stopped, elsewhere).
            const whys = new Set(runs.filter((r) => interrupted.has(r.id)).map((r) => interruption(store, r) ?? 'dead'));
            const said = whys.size === 1 ? interruptionWords([...whys][0]) : 'its process is gone, or its lease ran out';
            await out(`interrupted: ${said}; take it up with \`${swarmCommandLine(['run', '--resume', '<run>'], configPath, opts.db)}\`.`);
          }
        }
        return 0;
      }),
    );
}
