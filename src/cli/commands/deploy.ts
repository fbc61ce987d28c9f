import type { Command } from 'commander';
import { SwarmError } from '../../errors.ts';
import { loadManifestFile, manifestDefaults } from '../../manifest/index.ts';
import type { RunResult } from '../../run-result.ts';
import type { RunProgressView } from '../../server/run-registry.ts';
import { action } from '../action.ts';
import { loadCliConfig } from '../context.ts';
import { DispatcherClient, dispatcherUrl } from '../dispatcher-client.ts';
import { exitNow, out } from '../exit.ts';
import { printJson } from '../output.ts';
import { RunProgress, type ProgressSample } from '../progress.ts';
import { onStopSignals, type StopSignal } from '../signals.ts';
import { runFinalLine, taskTable } from '../tables.ts';

interface DeployOptions {
  json?: boolean;
  detach?: boolean;
  url?: string;
}

const POLL_MS = 200;
/** How long the dispatcher may stay silent while a run is followed before deploy gives up (exit 3). */
const LOST_AFTER_MS = 5_000;
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * `swarm deploy <manifest> [config] [--json] [--detach] [--url URL]`: validates the manifest
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
    .description('send a workflow to the running dispatcher and follow it to the end')
    .argument('<manifest>', 'manifest file (.yaml, .yml or .toml)')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the run result (or {"runId"} with --detach) as one JSON document')
    .option('--detach', 'return as soon as the dispatcher has accepted the run')
    .option('--url <url>', 'the dispatcher (default: [dispatcher] coordinator_endpoint, ws:// read as http://)')
    .action(action(deploy));
}

async function deploy(manifestPath: string, configPath: string | undefined, opts: DeployOptions): Promise<number> {
  const json = opts.json === true;
  const showProgress = process.stdout.isTTY === true && !json && opts.detach !== true;
  const { config } = await loadCliConfig(configPath, { warnOnlyConsole: showProgress });
  const loaded = loadManifestFile(manifestPath, { defaults: manifestDefaults(config) });
  const client = new DispatcherClient(dispatcherUrl(config, opts.url), config);

  const { runId } = await client.post<{ runId: string }>('/api/runs', {
    source: loaded.source,
    format: loaded.format,
    ...(loaded.path !== undefined && { path: loaded.path }),
  });
  if (opts.detach) {
    if (json) await printJson({ runId });
    else await out(`Run ${runId} accepted by ${client.url}. Details: swarm show ${runId}`);
    return 0;
  }
  if (!json) await out(`Run ${runId} accepted by ${client.url}; following it (Ctrl-C stops following, not the run).`);

  let latest: ProgressSample = { settled: 0, total: loaded.manifest.symbols.length, running: 0, failed: 0 };
  const progress = showProgress ? new RunProgress(loaded.manifest.name, () => latest) : undefined;
  let interrupted: StopSignal | undefined;
  onStopSignals({
    first: (signal) => void (interrupted = signal),
    second: () => exitNow(1),
  });

  progress?.start();
  try {
    await follow(client, runId, (view) => {
      latest = { settled: view.settledTasks, total: view.totalTasks, running: view.runningTasks, failed: view.failedTasks };
    }, () => interrupted);
  } finally {
    progress?.stop();
  }
  const result = await client.get<RunResult>(`/api/runs/${encodeURIComponent(runId)}`);
  if (json) await printJson(result);
  else await out(`${taskTable(result.tasks)}\n${runFinalLine(result)}`);
  return result.status === 'succeeded' ? 0 : 1;
}

/**
 * Polls the run's progress about five times a second until it has ended. Short silences are
 * ridden out (a busy dispatcher, a restart of the network); LOST_AFTER_MS of them end it.
 */
async function follow(
  client: DispatcherClient,
  runId: string,
  onProgress: (view: RunProgressView) => void,
  interrupted: () => StopSignal | undefined,
): Promise<void> {
  let silentSince: number | undefined;
  for (;;) {
    const signal = interrupted();
    if (signal) {
      throw new SwarmError('TASK_CANCELLED', `stopped following run ${runId} (${signal}); it goes on on the dispatcher at ${client.url}: swarm show ${runId}`);
    }
    try {
      const view = await client.get<RunProgressView>(`/api/runs/${encodeURIComponent(runId)}/progress`);
      silentSince = undefined;
      onProgress(view);
      if (ENDED.has(view.status)) return;
    } catch (error) {
      if (!(error instanceof SwarmError) || error.code !== 'DISPATCHER_UNREACHABLE') throw error;
      silentSince ??= Date.now();
      if (Date.now() - silentSince > LOST_AFTER_MS) {
        throw new SwarmError(
          'DISPATCHER_UNREACHABLE',
          `lost the dispatcher at ${client.url} while following run ${runId}; its state is in the dispatcher's database: swarm show ${runId}`,
          { cause: error },
        );
      }
    }
    await Bun.sleep(POLL_MS);
  }
}
