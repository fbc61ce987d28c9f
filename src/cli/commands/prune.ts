import type { Command } from 'commander';
import { FINISHED_RUN_STATUSES } from '../../store/types.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { confirm } from '../confirm.ts';
import { parseDuration } from '../duration.ts';
import { loadCliConfig, openCliStore } from '../context.ts';
import { out } from '../exit.ts';
import { formatDateTime, formatDuration, printJson } from '../output.ts';

/** Runs shown by a dry run before "… and N more". */
const LISTED = 20;

interface PruneOptions {
  olderThan: string;
  db?: string;
  json?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

/**
 * `swarm prune --older-than DURATION [config] [--dry-run] [--yes] [--db PATH] [--json]`:
 * deletes finished runs created longer ago than DURATION, with their tasks and journals, and
 * the rows of nodes not seen since. Unfinished runs are never touched, however old. On a terminal it asks first (unless
 * `--yes`); `--dry-run` lists what would go and deletes nothing.
 */
export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description(summaryOf('prune'))
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .requiredOption('--older-than <duration>', 'e.g. 7d, 12h, 30m (finished runs created longer ago are deleted; a unit is required)')
    .option('--dry-run', 'list the runs that would be deleted; delete nothing')
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--json', 'print {"deleted", "nodesDeleted", "olderThanMs"} (with --dry-run {"dryRun", "wouldDelete", "runIds", "olderThanMs"}) as JSON')
    .action(
      action(async (configPath: string | undefined, opts: PruneOptions) => {
        const olderThanMs = parseDuration(opts.olderThan, '--older-than');
        const { config } = await loadCliConfig(configPath, { db: opts.db, logs: false });
        const store = openCliStore(config);
        const before = Date.now() - olderThanMs;
        const age = `older than ${formatDuration(olderThanMs)} (created before ${formatDateTime(before)})`;
        const candidates = store.listRuns({ status: [...FINISHED_RUN_STATUSES] }).filter((run) => run.createdAt < before);
        if (opts.dryRun) {
          if (opts.json) {
            await printJson({ dryRun: true, wouldDelete: candidates.length, runIds: candidates.map((r) => r.id), olderThanMs });
            return 0;
          }
          const lines = candidates.slice(0, LISTED).map((r) => `  ${r.id}  ${r.status.padEnd(15)} ${formatDateTime(r.createdAt)}  ${r.name}`);
          if (candidates.length > LISTED) lines.push(`  … and ${candidates.length - LISTED} more`);
          await out([`Would delete ${plural(candidates.length)} ${age}${candidates.length ? ':' : '.'}`, ...lines].join('\n'));
          return 0;
        }
        const asking = !opts.yes && !opts.json && process.stdin.isTTY === true && process.stdout.isTTY === true;
        if (asking && candidates.length > 0) {
          const yes = await confirm(`Delete ${plural(candidates.length)} ${age}, with their tasks and journals? [y/N] `);
          if (!yes) {
            await out('Nothing deleted.');
            return 0;
          }
        }
        const deleted = store.deleteFinishedRunsBefore(before);
        // Nodes (workers) not seen since then go too: the table only keeps them for inspection.
        const nodesDeleted = store.deleteNodesLastSeenBefore(before);
        if (opts.json) await printJson({ deleted, nodesDeleted, olderThanMs });
        else await out(`Deleted ${plural(deleted)} ${age}${nodesDeleted > 0 ? `, and ${nodesDeleted} node${nodesDeleted === 1 ? '' : 's'} not seen since` : ''}.`);
        return 0;
      }),
    );
}

function plural(n: number): string {
  return `${n} finished run${n === 1 ? '' : 's'}`;
}
