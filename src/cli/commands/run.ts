import { writeSync } from 'node:fs';
import type { Command } from 'commander';
import { Dispatcher, type RunHandle } from '../../../actors/dispatcher.ts';
import { SwarmError } from '../../errors.ts';
import { loadManifestFile, manifestDefaults } from '../../manifest/index.ts';
import type { RunResult } from '../../run-result.ts';
import { action } from '../action.ts';
import { loadCliConfig } from '../context.ts';
import { exitNow, onExit, out } from '../exit.ts';
import { errorJson, formatDuration, note, printJson } from '../output.ts';
import { RunProgress, type ProgressSample } from '../progress.ts';
import { onStopSignals } from '../signals.ts';
import { runFinalLine, taskTable } from '../tables.ts';

interface RunOptions {
  json?: boolean;
  db?: string;
  quiet?: boolean;
}

/**
 * `swarm run <manifest> [config] [--json] [--db PATH] [--quiet]`: runs a workflow on this
 * host's worker threads and waits for it. Exit 0 succeeded, 1 failed or cancelled, 2 bad
 * manifest/config/arguments, 3 state database unavailable.
 *
 * Output: a task table and the run id; with --json exactly the RunResult; with --quiet only the
 * final line. On a terminal (stdout a TTY, no --json/--quiet) a progress bar runs meanwhile.
 * Console logging: while the bar is shown, and with --quiet, the console only gets `warn` and
 * above so info lines do not break the bar (the log file keeps `[logging] level`); otherwise
 * the console gets `[logging] level` on stderr, as everywhere.
 *
 * Ctrl-C (or SIGTERM): the first cancels the run (running tasks get `[dispatcher]
 * shutdown_grace` to finish, the run ends `cancelled` with its state saved) and exits 1 once
 * it has ended; a second one exits 1 at once.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a workflow on this host with thread workers and wait for it')
    .argument('<manifest>', 'manifest file (.yaml, .yml or .toml)')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the run result as one JSON document')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--quiet', 'no progress and no table: print only the final line')
    .action(action(runCommand));
}

async function runCommand(manifestPath: string, configPath: string | undefined, opts: RunOptions): Promise<number> {
  const json = opts.json === true;
  const quiet = opts.quiet === true && !json;
  const showProgress = process.stdout.isTTY === true && !json && !quiet;
  const { config, console: consoleLog } = await loadCliConfig(configPath, {
    db: opts.db,
    logFile: true,
    warnOnlyConsole: showProgress || quiet,
  });
  const loaded = loadManifestFile(manifestPath, { defaults: manifestDefaults(config) });

  const dispatcher = new Dispatcher({ config }); // opens the store: StoreUnavailableError → exit 3
  // stop() cancels what is still running, waits for it, destroys the threads and closes the store.
  onExit(() => dispatcher.stop());

  // Signal handlers go in before the run is recorded: recording a large run takes a moment,
  // and a signal without a handler would kill the process with nothing saved as cancelled.
  let handle: RunHandle | undefined;
  let interruptedBy: string | undefined;
  let ended = false;
  let progress: RunProgress | undefined;
  const say = (text: string) => (progress ? progress.interleave(() => void note(text)) : void note(text));
  onStopSignals({
    first(signal) {
      if (ended) return; // the run is over; only stopping and printing are left
      interruptedBy = signal;
      if (!handle) return; // cancelled as soon as it is deployed, below
      say(
        `${signal} received: cancelling run ${handle.runId} (running tasks get up to ` +
          `${formatDuration(config.dispatcher.shutdown_grace)} to finish); press Ctrl-C again to exit at once.`,
      );
      handle.cancel(`interrupted by ${signal}`);
    },
    second(signal) {
      progress?.stop();
      const message = `second ${signal}: exiting now; run ${handle?.runId ?? '(not started)'} may be left unfinished in the database.`;
      process.stderr.write(`swarm: ${message}\n`);
      // Even now --json keeps its promise of one JSON document on stdout (written synchronously).
      if (json) writeSync(1, JSON.stringify({ error: errorJson(new SwarmError('TASK_CANCELLED', message)) }, null, 2) + '\n');
      exitNow(1, () => dispatcher.store.close());
    },
  });

  dispatcher.start();
  const run = dispatcher.deploy(loaded);
  handle = run;
  if (interruptedBy) run.cancel(`interrupted by ${interruptedBy}`);

  progress = showProgress ? new RunProgress(loaded.manifest.name, () => sample(dispatcher, run)) : undefined;
  if (progress && consoleLog) consoleLog.around = (print) => progress!.interleave(print);

  progress?.start();
  let result: RunResult;
  try {
    result = await run.result;
    ended = true;
  } finally {
    progress?.stop();
  }
  await dispatcher.stop();

  if (json) await printJson(result);
  else {
    if (!quiet) await out(taskTable(result.tasks));
    await out(runFinalLine(result));
  }
  if (result.status === 'cancelled') {
    await note(`run ${result.runId} was cancelled${interruptedBy ? ` (${interruptedBy})` : ''}; its state is saved: swarm show ${result.runId}`);
  }
  return result.status === 'succeeded' ? 0 : 1;
}

/** What the progress bar shows: settled/total, tasks on a node now, tasks failed so far. */
function sample(dispatcher: Dispatcher, handle: RunHandle): ProgressSample {
  const { settled, total, live } = handle.progress();
  const running = (live.assigned ?? 0) + (live.running ?? 0) + (live.rolling_back ?? 0);
  const failed = dispatcher.store.getRun(handle.runId)?.failedTasks ?? 0;
  return { settled, total, running, failed };
}
