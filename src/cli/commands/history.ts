import type { Command } from 'commander';
import { action } from '../action.ts';
import { openStoredRun } from '../context.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';
import { historyTable } from '../tables.ts';

/**
 * `swarm history <run> [config] [--json] [--db PATH]`: the run's journal (every actor
 * transition) in order. JSON: `{"runId", "transitions": [{seq, actorId, actorKind, from, to,
 * event, payload, at}]}`. Unknown run or ambiguous prefix → exit 2.
 */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description("a run's state transitions, in order")
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print {"runId", "transitions": [...]} as JSON')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { json?: boolean; db?: string }) => {
        const { store, run } = await openStoredRun(ref, configPath, opts.db);
        const transitions = store.getTransitions(run.id);
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
          await out(`Run ${run.id} (${run.name}, ${run.status}): ${transitions.length} transitions`);
          if (transitions.length > 0) await out(historyTable(transitions));
        }
        return 0;
      }),
    );
}
