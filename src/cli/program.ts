import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { UsageError } from '../errors.ts';
import { exitWith } from './exit.ts';
import { reportError } from './output.ts';
import { registerBackend } from './commands/backend.ts';
import { registerConfig } from './commands/config.ts';
import { registerControl } from './commands/control.ts';
import { registerPrune } from './commands/prune.ts';
import { registerReplay } from './commands/replay.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerHistory } from './commands/history.ts';
import { registerRun } from './commands/run.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSchema } from './commands/schema.ts';
import { registerShow } from './commands/show.ts';
import { registerStartDispatcher } from './commands/start-dispatcher.ts';
import { registerStartWorker } from './commands/start-worker.ts';
import { registerStatus } from './commands/status.ts';
import { registerValidate } from './commands/validate.ts';
import { registerWatch } from './commands/watch.ts';

/**
 * The `swarm` command line. Each command lives in commands/<name>.ts and registers itself here;
 * new commands (start-dispatcher, deploy, status, replay, rollback, graph…) add one file and one
 * line below. Exit codes (README, CLI reference): 0 ok, 1 the workflow failed, 2 bad input, 3 the
 * database (or dispatcher) is unreachable.
 */
export function buildProgram(json: boolean): Command {
  const program = new Command('swarm')
    .description('WP Praxis Swarm: run declarative workflows on a swarm of worker threads')
    .version(packageJson.version, '-V, --version')
    .showSuggestionAfterError(true)
    // Commander throws instead of exiting, so usage errors get exit code 2 (and JSON with --json).
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({
      // With --json the error is printed as a JSON document instead (see main).
      outputError: (text, write) => {
        if (!json) write(text);
      },
    });
  registerConfig(program);
  registerValidate(program);
  registerSchema(program);
  registerRun(program);
  registerRuns(program);
  registerShow(program);
  registerHistory(program);
  registerStartDispatcher(program);
  registerStartWorker(program);
  registerDeploy(program);
  registerStatus(program);
  registerBackend(program);
  registerReplay(program);
  registerRollback(program);
  registerControl(program);
  registerPrune(program);
  registerWatch(program);
  return program;
}

/** Commander's ways of ending that are not errors. */
const CLEAN_EXITS = new Set(['commander.helpDisplayed', 'commander.version']);

/** Runs the CLI on `argv` (process.argv form) and exits; never returns. */
export async function main(argv: string[]): Promise<never> {
  // Known before parsing, so even an argument error can honour --json's "one JSON document".
  const json = argv.slice(2).includes('--json');
  const program = buildProgram(json);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (CLEAN_EXITS.has(error.code)) return exitWith(0);
      // Commander already printed its message on stderr unless --json was given.
      if (json) await reportError(new UsageError(error.message.replace(/^error: /, '')), true);
      return exitWith(2);
    }
    return exitWith(await reportError(error, json));
  }
  // Every command's action exits; reaching here means no command ran (commander printed help).
  return exitWith(2);
}
