import type { Command } from 'commander';
import { loadManifestFile, manifestDefaults } from '../../manifest/index.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { resolveRunId } from '../context.ts';
import { DispatcherClient, dispatcherUrls } from '../dispatcher-client.ts';
import { out } from '../exit.ts';
import { hostRunLocally, loadRunConfig, refuseUnrunnableHere } from '../local-run.ts';
import { note, printJson } from '../output.ts';
import { followRemoteRun } from '../remote-run.ts';
import { everythingOf, NEITHER } from '../../backend-use.ts';
import { UsageError } from '../../errors.ts';
import { interruption, resumeHint } from '../../run-liveness.ts';
import { isFinishedRun } from '../../store/types.ts';
import { checkSimulateOptions, simulateReplay } from './replay-simulate.ts';

interface ReplayCliOptions {
  from?: string;
  all?: boolean;
  manifest?: string;
  json?: boolean;
  db?: string;
  quiet?: boolean;
  url?: string;
  detach?: boolean;
  simulate?: boolean;
  at?: string;
  exact?: boolean;
}

/**
 * `swarm replay <run> [config] [--from SYMBOL] [--all] [--manifest FILE]`: a new run, linked
 * to `run`, that carries over what succeeded and runs the rest again (see src/replay-plan.ts).
 * On this host like `swarm run` (threads, `--db`), or with `--url` on the running dispatcher
 * like `swarm deploy` (`--detach` returns once accepted). Exit codes as `run` / `deploy`.
 *
 * `swarm replay <run> --simulate [--at SEQ] [--exact]`: nothing runs; the run's journal is
 * re-simulated and checked against the machines and the stored projections (see
 * replay-simulate.ts): exit 0 reproduced, 1 diverged.
 */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(summaryOf('replay'))
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--from <symbol>', 'also re-run this symbol and everything downstream of it')
    .option('--all', 're-run every symbol')
    .option('--manifest <file>', 'replay with this (edited) manifest instead of the one stored with the run')
    .option('--json', 'print the run result as one JSON document')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--quiet', 'no progress and no table: print only the final line')
    .option('--url <url>', 'replay on the running dispatcher at this URL (or the first that answers of several, separated by commas) instead of on this host')
    .option('--detach', 'with --url: return as soon as the dispatcher has accepted the replay')
    .option('--simulate', "run nothing: re-simulate the run's journal, print every actor's state, check the projections")
    .option('--at <seq>', "with --simulate: the state as of this journal seq (see swarm history); no projection check")
    .option('--exact', 'with --simulate: re-simulate every task actor on its own (no trajectory sharing; slower on big runs)')
    .action(action(replay));
}

async function replay(ref: string, configPath: string | undefined, opts: ReplayCliOptions): Promise<number> {
  if (opts.simulate) {
    checkSimulateOptions({ ...opts });
    return simulateReplay(ref, configPath, opts);
  }
  if (opts.at !== undefined || opts.exact) throw new UsageError('--at and --exact go with --simulate.');
  if (opts.detach && opts.url === undefined) {
    throw new UsageError('--detach goes with --url: a replay without it runs in this process, which waits for it (deploy it to a dispatcher with --url to return at once).');
  }
  const { config, output } = await loadRunConfig(configPath, opts, opts.url !== undefined);
  const { json, quiet, showProgress } = output;
  const edited = opts.manifest !== undefined ? loadManifestFile(opts.manifest, { defaults: manifestDefaults(config) }) : undefined;
  const choice = { ...(opts.from !== undefined && { from: opts.from }), ...(opts.all && { all: true }) };

  if (opts.url !== undefined) {
    const client = new DispatcherClient(dispatcherUrls(config, opts.url), config);
    const accepted = await client.post<{ runId: string; replayOf: string; reused: string[]; rerun: Record<string, string> }>(
      `/api/runs/${encodeURIComponent(ref)}/replay`,
      { ...choice, ...(edited && { source: edited.source, format: edited.format, ...(edited.path && { path: edited.path }) }) },
    );
    if (opts.detach) {
      if (json) await printJson(accepted);
      else if (quiet) await out(accepted.runId);
      else await out(`Replay ${accepted.runId} of ${accepted.replayOf} accepted by ${client.url}: ${describePlan(accepted.reused.length, accepted.rerun)}. Details: ${client.runPage(accepted.runId)}`);
      return 0;
    }
    if (!json && !quiet) await out(`Replay ${accepted.runId} of ${accepted.replayOf}: ${describePlan(accepted.reused.length, accepted.rerun)}; following it.`);
    const total = accepted.reused.length + Object.keys(accepted.rerun).length;
    return followRemoteRun(client, accepted.runId, { name: `replay of ${accepted.replayOf}`, total, json, quiet, showProgress });
  }

  const runId = resolveRunId(config, ref);
  return hostRunLocally(config, output, `replay of ${runId}`, (dispatcher) => {
    // What the replay runs again (and may compensate) must be runnable here.
    const planned = dispatcher.planReplay(runId, { ...choice, ...(edited && { manifest: edited }) });
    const { plan, loaded } = planned;
    const rerun = everythingOf(loaded.manifest);
    refuseUnrunnableHere(loaded.manifest, config, `swarm replay ${runId}`, (s) => (plan.rerun.has(s.name) ? rerun : NEITHER));
    const original = planned.original.run;
    if (!isFinishedRun(original.status)) {
      // Interrupted (one a live process holds is refused): allowed, what succeeded is reused,
      // but rarely what was meant.
      void note(`run ${runId} is ${original.status} (interrupted: ${resumeHint(runId, interruption(dispatcher.store, original) ?? 'dead', output.commandLine(['run', '--resume', runId]))}); the replay reuses only what it had finished.`);
    }
    const handle = dispatcher.startReplay(planned);
    if (!json && !quiet) void note(`Replay ${handle.runId} of ${runId}: ${describePlan(handle.plan.reuse.size, Object.fromEntries(handle.plan.rerun))}.`);
    return handle;
  });
}

function describePlan(reused: number, rerun: Record<string, string>): string {
  const names = Object.entries(rerun);
  const shown = names.slice(0, 5).map(([name, why]) => `${name} (${why})`).join(', ');
  const more = names.length > 5 ? `, and ${names.length - 5} more` : '';
  return `${reused} reused, ${names.length} to run${names.length > 0 ? `: ${shown}${more}` : ''}`;
}
