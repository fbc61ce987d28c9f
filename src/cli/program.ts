import { Command, CommanderError, Help } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { UsageError } from '../errors.ts';
import { exitWith } from './exit.ts';
import { reportError } from './output.ts';
import { commandEntry, COMMANDS } from './command-index.ts';

/**
 * The `swarm` command line. Each command lives in commands/<name>.ts and is listed in
 * command-index.ts, which loads only the module of the command being run. Exit codes (README,
 * CLI reference): 0 ok, 1 the workflow failed, 2 bad input, 3 the database (or dispatcher) is
 * unreachable.
 */
export async function buildProgram(json: boolean, argv: readonly string[] = []): Promise<Command> {
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
    })
    // Listed commands that were not loaded are described by the index, as their modules would.
    .configureHelp({ subcommandTerm: (cmd) => (commandEntry(cmd.name()) ? `${cmd.name()}${termOf(cmd.name())}` : new Help().subcommandTerm(cmd)) });
  const named = commandEntry(commandName(argv) ?? '');
  if (named) {
    (await named.load())(program);
    return program;
  }
  // No command, or an unknown one: the list for --help and for "did you mean".
  for (const entry of COMMANDS) program.command(entry.name).description(entry.summary);
  return program;
}

function termOf(name: string): string {
  const term = commandEntry(name)?.term ?? '';
  return term === '' ? '' : ` ${term}`;
}

/** The command argv names: the first word that is not an option (`help run` names run). */
function commandName(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** Commander's ways of ending that are not errors. */
const CLEAN_EXITS = new Set(['commander.helpDisplayed', 'commander.version']);

/** Runs the CLI on `argv` (process.argv form) and exits; never returns. */
export async function main(argv: string[]): Promise<never> {
  // Known before parsing, so even an argument error can honour --json's "one JSON document".
  const json = argv.slice(2).includes('--json');
  const program = await buildProgram(json, argv);
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
