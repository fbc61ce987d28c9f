import type { Command } from 'commander';
import { loadManifestFile, manifestDefaults } from '../../manifest/index.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadRunConfig } from '../local-run.ts';
import { DispatcherClient, dispatcherUrls } from '../dispatcher-client.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';
import { followRemoteRun } from '../remote-run.ts';

interface DeployOptions {
  json?: boolean;
  quiet?: boolean;
  detach?: boolean;
  url?: string;
}

/**
 * `swarm deploy <manifest> [config] [--json] [--quiet] [--detach] [--url URL]`: validates the manifest
 * here (exit 2, nothing sent), sends it to the running dispatcher (`--url`, else
 * `[dispatcher] coordinator_endpoint` as http://), prints the run id and follows the run to its
 * end — progress on a terminal, then the same table and line as `swarm run`; exit 0 succeeded,
 * 1 failed or cancelled. `--detach` returns once the run is accepted. No dispatcher answering,
 * or losing it while following: exit 3 (deploy never starts a dispatcher itself). Ctrl-C stops
 * following (exit 1); the run goes on on the dispatcher. --json: one document — the RunResult,
 * `{"runId"}` with --detach, or `{"error"}`.
 */
export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description(summaryOf('deploy'))
    .argument('<manifest>', 'manifest file (.yaml, .yml or .toml)')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the run result (or {"runId"} with --detach) as one JSON document')
    .option('--quiet', 'no progress and no table: print only the final line (with --detach: only the run id)')
    .option('--detach', 'return as soon as the dispatcher has accepted the run')
    .option('--url <url>', 'the dispatcher, or several separated by commas (the first that answers; default: [dispatcher] coordinator_endpoint, ws:// read as http://)')
    .action(action(deploy));
}

async function deploy(manifestPath: string, configPath: string | undefined, opts: DeployOptions): Promise<number> {
  const { config, output } = await loadRunConfig(configPath, opts, true);
  const { json, quiet, showProgress } = output;
  const loaded = loadManifestFile(manifestPath, { defaults: manifestDefaults(config) });
  const client = new DispatcherClient(dispatcherUrls(config, opts.url), config);

  const { runId } = await client.post<{ runId: string }>('/api/runs', {
    source: loaded.source,
    format: loaded.format,
    ...(loaded.path !== undefined && { path: loaded.path }),
  });
  if (opts.detach) {
    if (json) await printJson({ runId });
    else if (quiet) await out(runId); // RID=$(swarm deploy flow.yaml --detach --quiet)
    else await out(`Run ${runId} accepted by ${client.url}. Details: ${client.runPage(runId)}`);
    return 0;
  }
  if (!json && !quiet) await out(`Run ${runId} accepted by ${client.url}; following it (Ctrl-C stops following, not the run).`);
  return followRemoteRun(client, runId, { name: loaded.manifest.name, total: loaded.manifest.symbols.length, json, quiet, showProgress });
}
