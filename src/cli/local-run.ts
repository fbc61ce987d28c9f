import { writeSync } from 'node:fs';
import { becomeSubreaper } from '../../actors/backends/subreaper.ts';
import { Dispatcher, type RunHandle } from '../../actors/dispatcher.ts';
import type { SwarmConfig } from '../config/index.ts';
import { describeDisabledUses, unrunnableHere, type RunsOf } from '../backend-use.ts';
import { SwarmError, UsageError } from '../errors.ts';
import type { Manifest, SymbolSpec } from '../manifest/types.ts';
import { outcomeOf, readRunOutcome, type RunOutcome, type RunResult } from '../run-result.ts';
import { readRunJournalDetail, type RunJournalDetail } from '../run-journal-detail.ts';
import type { WarnOnlyConsole } from './console-log.ts';
import { loadCliConfig } from './context.ts';
import { exitNow, onExit, out } from './exit.ts';
import { errorJson, formatDuration, note, printJson } from './output.ts';
import { RunProgress, type ProgressSample } from './progress.ts';
import { onStopSignals } from './signals.ts';
import { finishedRunText, rolledBackCount } from './finished-run.ts';
import { commandLineFor, showCommandLine, type CommandLine } from '../command-line.ts';
import { RunFencedError } from '../store/store-errors.ts';

/** How a command that runs a workflow on this host prints it. */
export interface LocalRunOutput {
  json: boolean;
  quiet: boolean;
  showProgress: boolean;
  /** The console log, to route around the progress bar (see loadCliConfig's warnOnlyConsole). */
  console?: WarnOnlyConsole;
  /**
   * Time tasks by their attempts in the journal, as `swarm show` does: a resumed run's tasks
   * may have begun in the process that stopped, and this one's records start at its own.
   */
  timeByAttempts?: boolean;
  /**
   * The command that shows a run of this host's database, with the config and --db this
   * command was given (`swarm show <id>` alone would read the default database); null when
   * the database was in memory, gone once the command ends.
   */
  showCommand(runId: string): string | null;
  /** How its hints write a swarm command about this database: with the config and --db given. */
  commandLine: CommandLine;
}

/**
 * The config and output mode of a command that runs or follows a workflow (`run`, `replay`,
 * `rollback`): progress only on a terminal without --json, --quiet or --detach; console
 * logging held at `warn` while a bar or --quiet is on; the log file only when the work runs
 * here (`remote`: it runs on a dispatcher, which keeps its own log).
 */
export async function loadRunConfig(
  configPath: string | undefined,
  opts: { json?: boolean; quiet?: boolean; db?: string; detach?: boolean },
  remote = false,
): Promise<{ config: SwarmConfig; output: LocalRunOutput }> {
  const json = opts.json === true;
  const quiet = opts.quiet === true && !json;
  const showProgress = process.stdout.isTTY === true && !json && !quiet && opts.detach !== true;
  const { config, console } = await loadCliConfig(configPath, { db: opts.db, logFile: !remote, warnOnlyConsole: showProgress || quiet });
  const inMemory = (config.dispatcher.state_db_url ?? config.dispatcher.state_db_path) === ':memory:';
  const showCommand = (runId: string) => (inMemory ? null : showCommandLine(runId, configPath, opts.db));
  const commandLine = commandLineFor(configPath, opts.db);
  return { config, output: { json, quiet, showProgress, showCommand, commandLine, ...(console && { console }) } };
}

/**
 * Hosts one run on this host's threads and waits for it — `swarm run`, `run --resume` and a
 * local `swarm replay` — then prints it as `swarm run` does. `begin` records (or takes up) the
 * run on the dispatcher it is given. Exit 0 succeeded, 1 failed or cancelled.
 *
 * Ctrl-C (or SIGTERM): the first cancels the run (running tasks get `[dispatcher]
 * shutdown_grace` to finish, the run ends `cancelled` with its state saved) and exits 1 once
 * it has ended; a second one exits 1 at once.
 */
export async function hostRunLocally(
  config: SwarmConfig,
  output: LocalRunOutput,
  name: string,
  begin: (dispatcher: Dispatcher) => RunHandle,
): Promise<number> {
  const { json, quiet, showProgress } = output;
  // Whatever the config: a process a module (or backend) starts that leaves its group and its
  // parent (setsid) is re-parented to this process, not to PID 1, so what exit.ts ends as left
  // running below the swarm includes it. Only for a run hosted here, which ends: a dispatcher or
  // worker that runs for days would keep the zombie of each such process that exits on its own
  // (Bun reaps only its own children); one with backends becomes a subreaper when it starts them
  // and reaps after each backend attempt (stragglers.ts).
  becomeSubreaper();
  const dispatcher = new Dispatcher({ config, commandLine: output.commandLine }); // opens the store: StoreUnavailableError → exit 3
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
      if (handle.state() === 'compensating') {
        // The coordinator takes no cancel there (a half-undone run is no safer): say what happens.
        say(
          `${signal} received: run ${handle.runId} is being rolled back, and a rollback is not cancelled: its compensations ` +
            `run to their end, each within its rollback's timeout. Press Ctrl-C (or send ${signal}) again to exit at once, leaving it unfinished.`,
        );
        return;
      }
      say(
        `${signal} received: cancelling run ${handle.runId} (running tasks get up to ` +
          `${formatDuration(config.dispatcher.shutdown_grace)} to finish); press Ctrl-C (or send ${signal}) again to exit at once.`,
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
  const run = begin(dispatcher);
  handle = run;
  if (interruptedBy) run.cancel(`interrupted by ${interruptedBy}`);

  progress = showProgress ? new RunProgress(name, () => sample(run)) : undefined;
  if (progress && output.console) output.console.around = (print) => progress!.interleave(print);

  progress?.start();
  // --json prints every task; the table and its line need only the counts and a few tasks,
  // which a run of a million tasks reads in a fraction of the time and memory.
  let whole: RunResult | undefined;
  let outcome: RunOutcome;
  let detail: RunJournalDetail | undefined;
  try {
    await run.finished.catch((err: unknown) => {
      throw leftUnfinished(err, run.runId, output.commandLine);
    });
    whole = json ? await run.result : undefined;
    outcome = whole ? outcomeOf(whole) : readRunOutcome(dispatcher.store, run.runId)!;
    // Each task's own time (its attempts, as `swarm show` has it) and a rollback's (the --quiet
    // line's too), from the journal (see finishedRunText), for a run whose stored task rows may
    // not say it: tasks rolled back or cancelled while they waited to retry, a resumed run. Of
    // a big run only the listed tasks' rows are read; a run that all succeeded is not read.
    const timed = rolledBackCount(outcome) > 0 || output.timeByAttempts === true || outcome.tasks.some((t) => t.status !== 'succeeded');
    if (!whole && timed) detail = readRunJournalDetail(dispatcher.store, outcome);
    ended = true;
  } finally {
    progress?.stop();
  }
  await dispatcher.stop();

  const show = output.showCommand(outcome.runId);
  if (whole) await printJson(whole);
  else {
    await out(
      finishedRunText(outcome, {
        details: show ?? 'none (the database was in memory, and is gone)',
        everyTask: show === null ? null : `${show} --json`,
        everyRollback: show === null ? null : `${show} --json --attempts`,
        quiet,
        ...(detail && { detail }),
      }),
    );
  }
  if (outcome.status === 'cancelled') {
    await note(`run ${outcome.runId} was cancelled${interruptedBy ? ` (${interruptedBy})` : ''}; ${show === null ? 'its state was in memory, and is gone' : `its state is saved: ${show}`}`);
  }
  // A rollback's success is rolled_back: `swarm rollback`, or `run --resume` of one interrupted.
  return outcome.status === run.goal ? 0 : 1;
}

/**
 * A run stopped here by a store failure stays unfinished in the database: the error names it and
 * says how to take it up (the driver's message alone left the user to look for its id). A run
 * another process took over (RUN_FENCED) is followed there. The commands carry this command's
 * config and --db (the store's own messages cannot know them).
 */
function leftUnfinished(err: unknown, runId: string, commandLine: CommandLine): unknown {
  if (err instanceof RunFencedError) return new RunFencedError(err.runId, err.heldEpoch, err.owner, err.epoch, commandLine(['show', err.runId]));
  if (!(err instanceof SwarmError) || err.code !== 'STORE_UNAVAILABLE') return err;
  return new SwarmError('STORE_UNAVAILABLE', `${err.message} Run ${runId} stays unfinished in the database; once the database works again, take it up with \`${commandLine(['run', '--resume', runId])}\`.`, { cause: err });
}

/** What the progress bar shows: settled/total, tasks on a node now, tasks failed so far (the run's own counts). */
function sample(handle: RunHandle): ProgressSample {
  const { settled, total, failed, live, active } = handle.progress();
  const running = (live.assigned ?? 0) + (live.running ?? 0) + (live.rolling_back ?? 0);
  return { settled, total, running, failed, active };
}

/**
 * Refuses, before anything runs, a local run (`swarm run`, or a replay or rollback without
 * --url) of a manifest this host cannot run by itself (see unrunnableHere): it would only fail.
 */
export function refuseUnrunnableHere(manifest: Manifest, config: SwarmConfig, what: string, runs?: (symbol: SymbolSpec) => RunsOf): void {
  const uses = unrunnableHere(manifest, config, runs);
  if (uses.length === 0) return;
  const fixes = [
    // With no local workers even an enabled backend has no process here.
    ...(config.dispatcher.local_workers === 0 ? ['set [dispatcher] local_workers above 0'] : []),
    ...(uses.some((u) => u.because === 'backend-disabled') ? ['enable the backend (and set its paths) in the config'] : []),
  ];
  throw new UsageError(
    `${what} cannot run here: on this host no node can take these symbols:\n  ${describeDisabledUses(uses).join('\n  ')}\n` +
      `${capitalized(fixes.join(', and '))}; or deploy the workflow to a dispatcher with a worker that offers it (swarm deploy).`,
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

