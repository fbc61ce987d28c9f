import { resolve } from 'node:path';
import { isPostgresUrl } from '../store/postgres/url.ts';
import type { SwarmConfig } from './schema.ts';

/**
 * Relative paths in a config file mean "next to this file", so a config behaves the same
 * whichever directory `swarm` is started from. Without a file they resolve against the cwd.
 */

/** An executable: a bare name ("php") is looked up on PATH when run, so only paths with a slash move. */
function executableFromBase(baseDir: string, command: string): string {
  return /[\\/]/.test(command) ? resolve(baseDir, command) : command;
}

/**
 * A copy of `config` with its file paths absolute: dispatcher.state_db_path (":memory:" and a
 * PostgreSQL URL kept; state_db_url is a URL, never a path),
 * dispatcher.manifest_path, logging.file ("" kept: no file), the backends' binary_path and
 * script_path, and php_binary/pwsh_binary when they are paths rather than bare command names.
 */
export function resolveConfigPaths(config: SwarmConfig, baseDir: string): SwarmConfig {
  const out = structuredClone(config);
  const { dispatcher, logging, backends } = out;
  if (dispatcher.state_db_path !== ':memory:' && !isPostgresUrl(dispatcher.state_db_path)) {
    dispatcher.state_db_path = resolve(baseDir, dispatcher.state_db_path);
  }
  if (dispatcher.manifest_path !== undefined) dispatcher.manifest_path = resolve(baseDir, dispatcher.manifest_path);
  if (logging.file !== '') logging.file = resolve(baseDir, logging.file);
  const rust = backends.rust_injector;
  if (rust.binary_path !== undefined) rust.binary_path = resolve(baseDir, rust.binary_path);
  for (const engine of [backends.php_engine, backends.powershell_engine]) {
    if (engine.script_path !== undefined) engine.script_path = resolve(baseDir, engine.script_path);
  }
  backends.php_engine.php_binary = executableFromBase(baseDir, backends.php_engine.php_binary);
  backends.powershell_engine.pwsh_binary = executableFromBase(baseDir, backends.powershell_engine.pwsh_binary);
  return out;
}
