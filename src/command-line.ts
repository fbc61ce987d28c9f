import { configNamedInEnvironment } from './config/load.ts';
import { isPostgresUrl, redactUrl } from './store/postgres/url.ts';

/**
 * The swarm commands a command prints as hints about a run (`swarm show <id>`, `swarm run
 * --resume <id>`, …), with the config and `--db` that command was given: without them the hint
 * would read the default database (or none), not the one the run is in. Copy-pasteable: every
 * word is quoted for a POSIX shell where it needs to be.
 */
export type CommandLine = (words: readonly string[]) => string;

/** How hints write a swarm command when nothing says which config or database (SWARM_CONFIG still counts). */
export const plainCommandLine: CommandLine = (words) => swarmCommandLine(words, undefined, undefined);

/** How a command that was given `configPath` and `db` writes a swarm command about its database. */
export function commandLineFor(configPath: string | undefined, db: string | undefined): CommandLine {
  return (words) => swarmCommandLine(words, configPath, db);
}

/**
 * `swarm …words` with the config and --db that find the database a command used. A config the
 * command found through SWARM_CONFIG is named too: a hint is pasted into other shells, logs and
 * tickets, where SWARM_CONFIG may not be set, and naming the file costs nothing where it is.
 */
export function swarmCommandLine(words: readonly string[], configPath: string | undefined, db: string | undefined): string {
  // A database URL's password is never printed: the command then needs it typed in.
  const database = db === undefined ? [] : ['--db', shellWord(isPostgresUrl(db) ? redactUrl(db) : pathWord(db))];
  const config = configPath ?? configNamedInEnvironment();
  const where = [...(config !== undefined ? [shellWord(pathWord(config))] : []), ...database];
  // A placeholder (`<run>`) stays as it is: the reader puts the id in.
  return ['swarm', ...words.map((w) => (/^<\w+>$/.test(w) ? w : shellWord(w))), ...where].join(' ');
}

/** `swarm show <run>` with the config and --db that find the database a command used. */
export function showCommandLine(runId: string, configPath: string | undefined, db: string | undefined): string {
  return swarmCommandLine(['show', runId], configPath, db);
}

/** A relative path that would read as an option (`-my.toml`) gets `./` in front. */
function pathWord(path: string): string {
  return path.startsWith('-') ? `./${path}` : path;
}

/** `word` as one word of a POSIX shell command line: quoted unless it is plain. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
