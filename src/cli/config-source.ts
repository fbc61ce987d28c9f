import { ConfigError } from '../errors.ts';

/**
 * Where the CLI's config came from, so that a config problem found once the config is in use
 * (the log file it names cannot be opened, a worker name the dispatcher would refuse) names
 * that file like the problems found while reading it: the code that finds them sees values,
 * not their file.
 */

/** The file read; null: none (built-in defaults); undefined: no config loaded yet. */
let loadedFrom: string | null | undefined;

export function rememberConfigFile(file: string | null): void {
  loadedFrom = file;
}

/** `error` with its issues that say no source given the loaded config's; anything else as it is. */
export function withConfigSource(error: unknown): unknown {
  if (!(error instanceof ConfigError) || loadedFrom === undefined) return error;
  const unsourced = (i: ConfigError['issues'][number]) => i.file === undefined && i.env === undefined && !i.defaults;
  if (!error.issues.some(unsourced)) return error;
  const source = loadedFrom === null ? { defaults: true as const } : { file: loadedFrom };
  return new ConfigError(error.issues.map((i) => (unsourced(i) ? { ...source, ...i } : i)));
}
