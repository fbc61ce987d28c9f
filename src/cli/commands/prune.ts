import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { action } from '../action.ts';
import { loadCliConfig, openCliStore } from '../context.ts';
import { out } from '../exit.ts';
import { formatDuration, printJson } from '../output.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d", "12h", "30m", "90s", "500ms", "1w", or a plain number of milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) throw new UsageError(`${option} expects a duration such as 7d, 12h, 30m, 90s or 500ms (got "${text}").`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
}

/**
 * `swarm prune --older-than DURATION [config] [--db PATH] [--json]`: deletes finished runs
 * (succeeded, failed, cancelled) created longer ago than DURATION, with their tasks and
 * journals. Unfinished runs are never touched, however old.
 */
export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('delete finished runs older than a duration, with their tasks and journals')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .requiredOption('--older-than <duration>', 'e.g. 7d, 12h, 30m (finished runs created longer ago are deleted)')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--json', 'print {"deleted", "olderThanMs"} as JSON')
    .action(
      action(async (configPath: string | undefined, opts: { olderThan: string; db?: string; json?: boolean }) => {
        const olderThanMs = parseDuration(opts.olderThan, '--older-than');
        const { config } = await loadCliConfig(configPath, { db: opts.db });
        const store = openCliStore(config);
        const deleted = store.deleteFinishedRunsBefore(Date.now() - olderThanMs);
        if (opts.json) await printJson({ deleted, olderThanMs });
        else await out(`Deleted ${deleted} finished run${deleted === 1 ? '' : 's'} older than ${formatDuration(olderThanMs)}.`);
        return 0;
      }),
    );
}
