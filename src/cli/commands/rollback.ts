import type { Command } from 'commander';
import { compensationPlan, describeLeft, replayedRunKept } from '../../../actors/run-compensation.ts';
import { loadStoredRun } from '../../../actors/stored-run.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { resolveRunId } from '../context.ts';
import { DispatcherClient, dispatcherUrls } from '../dispatcher-client.ts';
import { out } from '../exit.ts';
import { hostRunLocally, loadRunConfig, refuseUnrunnableHere } from '../local-run.ts';
import { note } from '../output.ts';
import { followRemoteRun } from '../remote-run.ts';

/**
 * `swarm rollback <run> [config] [--json] [--db PATH] [--quiet] [--url URL]`: compensates a
 * finished run — the rollbacks of its succeeded symbols run newest first (the reverse of the
 * order they succeeded), each journaled. Exit 0 when every one succeeded (the run is `rolled_back`), 1 when
 * one failed (`rollback_failed`, the failed ones listed), 2 for a run that is not finished.
 * On this host by default, or on the running dispatcher with `--url`.
 */
export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description(summaryOf('rollback'))
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the run result as one JSON document')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--quiet', 'no progress and no table: print only the final line')
    .option('--url <url>', 'roll back on the running dispatcher at this URL (or the first that answers of several, separated by commas) instead of on this host')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { json?: boolean; db?: string; quiet?: boolean; url?: string }) => {
        const { config, output } = await loadRunConfig(configPath, opts, opts.url !== undefined);
        const { json, quiet, showProgress } = output;
        if (opts.url !== undefined) {
          const client = new DispatcherClient(dispatcherUrls(config, opts.url), config);
          const since = Date.now(); // the rollback's own time, not the run's since it was created
          const { runId } = await client.post<{ runId: string }>(`/api/runs/${encodeURIComponent(ref)}/rollback`, {});
          if (!json && !quiet) await out(`Rolling back run ${runId} on ${client.url}; following it.`);
          return followRemoteRun(client, runId, { name: `rollback of ${runId}`, total: 0, json, quiet, showProgress, success: 'rolled_back', since });
        }
        const runId = resolveRunId(config, ref);
        return hostRunLocally(config, output, `rollback of ${runId}`, (d) => {
          const { run, loaded, tasks } = loadStoredRun(d.store, runId);
          const { left, undo } = compensationPlan(run, loaded.manifest, tasks, replayedRunKept(d.store, run), output.commandLine);
          const undone = new Set(undo.map((t) => t.name));
          refuseUnrunnableHere(loaded.manifest, config, `swarm rollback ${runId}`, (s) => ({ symbol: false, rollback: undone.has(s.name) }));
          const handle = d.rollback(runId);
          // Said once the rollback is accepted (a refusal explains itself): what stays as it is.
          if (!json && left.length > 0) void note(`not compensated: ${describeLeft(left)}`);
          return handle;
        });
      }),
    );
}
