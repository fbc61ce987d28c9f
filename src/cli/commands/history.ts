import type { Command } from 'commander';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { openStoredRun } from '../context.ts';
import { ACTOR_KINDS } from '../../store/types.ts';
import { out } from '../exit.ts';
import { historyFilter, type HistoryFilterOptions } from '../filters.ts';
import { printJson } from '../output.ts';
import { historyTable } from '../tables.ts';
import { UsageError } from '../../errors.ts';
import { closestMatch } from '../../manifest/suggest.ts';

/** Symbols a run may have for `--symbol`'s "did you mean" to look through them. */
const SUGGESTED_FROM_AT_MOST = 10_000;

/**
 * `swarm history <run> [config] [--json] [--db PATH] [--symbol S | --actor ID] [--kind K,…]
 * [--event TYPE]`: the run's journal (every actor transition) in order, filtered. JSON: `{"runId", "transitions": [{seq, actorId, actorKind, from, to,
 * event, payload, at}]}`. Unknown run or ambiguous prefix → exit 2.
 */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description(summaryOf('history'))
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print {"runId", "transitions": [...]} as JSON')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--symbol <name>', "only this symbol's task actor")
    .option('--actor <id>', 'only this actor (an id as the table shows it, e.g. node:local)')
    .option('--kind <list>', `only these actor kinds, comma-separated (${ACTOR_KINDS.join(', ')})`)
    .option('--event <type>', 'only this event type (task.failed), or a prefix ending in * (task.*)')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { json?: boolean; db?: string } & HistoryFilterOptions) => {
        const accepts = historyFilter(opts);
        const { store, run } = await openStoredRun(ref, configPath, opts.db);
        if (opts.symbol !== undefined && store.getTask(run.id, opts.symbol) === undefined) {
          // Names to suggest from only while they are few: a million-task run is not read for a hint.
          const names = run.totalTasks <= SUGGESTED_FROM_AT_MOST ? store.getTasks(run.id).map((t) => t.name) : [];
          const close = closestMatch(opts.symbol, names);
          const hint = close === undefined ? '' : ` (did you mean "${close}"?)`;
          throw new UsageError(`Run ${run.id} has no symbol "${opts.symbol}"${hint}; \`swarm show ${run.id}\` lists them.`);
        }
        const all = store.getTransitions(run.id);
        const transitions = all.filter(accepts);
        if (opts.json) {
          await printJson({
            runId: run.id,
            transitions: transitions.map(({ seq, actorId, actorKind, from, to, event, payload, at }) => ({
              seq,
              actorId,
              actorKind,
              from,
              to,
              event,
              payload,
              at,
            })),
          });
        } else {
          const shown = transitions.length === all.length ? `${all.length} transitions` : `${transitions.length} of ${all.length} transitions`;
          await out(`Run ${run.id} (${run.name}, ${run.status}): ${shown}`);
          if (transitions.length > 0) await out(historyTable(transitions));
        }
        return 0;
      }),
    );
}
