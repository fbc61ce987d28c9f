import type { Command } from 'commander';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ManifestError } from '../../errors.ts';
import { dependencyEdges } from '../../graph/dag.ts';
import { loadManifestFile, topologicalOrder } from '../../manifest/index.ts';
import type { Manifest } from '../../manifest/types.ts';
import type { SwarmConfig } from '../../config/index.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { err, out } from '../exit.ts';
import { printJson } from '../output.ts';
import { isDirectory } from '../../path-problems.ts';

/**
 * `swarm validate <manifest> [--json]`: exit 0 and a one-line summary when valid; exit 2 and
 * every issue (file:line:column, symbol, field) on stderr when not. With --json the verdict is
 * `{"valid", "name"?, "symbols"?, "order"?, "problems", "issues": [...], "warnings"?}` on
 * stdout, valid or not; `problems` counts them all, `issues` lists the first 500. The order is
 * the run's, as the config's scheduler makes it (priority first, unless its queue is off).
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(summaryOf('validate'))
    .argument('<manifest>', 'manifest file (.yaml, .yml or .toml)')
    .argument('[config]', 'config file, read to warn about symbols whose backend it does not enable (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the verdict as JSON')
    .action(
      action(async (path: string, configPath: string | undefined, opts: { json?: boolean }) => {
        let loaded;
        try {
          loaded = loadManifestFile(path);
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          if (opts.json) await printJson({ valid: false, problems: error.problems, issues: error.issues });
          else await err(error.message); // the count, then every issue as formatIssue words it
          return 2;
        }
        const { manifest } = loaded;
        const config = await configFor(configPath);
        const order = topologicalOrder(manifest, { byPriority: config.coordinator.priority_queue_enabled });
        const warnings = [...(await backendWarnings(manifest, config)), ...missingModuleWarnings(manifest, path)];
        if (opts.json) {
          await printJson({ valid: true, name: manifest.name, symbols: manifest.symbols.length, order, edges: dependencyEdges(manifest.symbols), problems: 0, issues: [], warnings });
        } else {
          const n = manifest.symbols.length;
          await out(`${path}: valid: "${manifest.name}", ${n} symbol${n === 1 ? '' : 's'}; order: ${orderLine(order)}`);
          for (const warning of warnings) await err(`warning: ${warning}`);
        }
        return 0;
      }),
    );
}

/** Symbols the one-line summary names at most; `--json` lists the whole order. */
const ORDER_SHOWN = 20;

/** The run order, cut after ORDER_SHOWN symbols: a big manifest's would be a megabyte-long line. */
function orderLine(order: string[]): string {
  if (order.length <= ORDER_SHOWN) return order.join(' → ');
  return `${order.slice(0, ORDER_SHOWN).join(' → ')} → … (${order.length - ORDER_SHOWN} more; --json lists them all)`;
}

/**
 * Symbols whose backend the config leaves disabled: valid, but `swarm run` refuses them and a
 * dispatcher needs a worker that offers the backend. (Internal symbols under `[dispatcher]
 * local_workers = 0` are not warned of: such a dispatcher runs them on its remote workers.)
 */
async function backendWarnings(manifest: Manifest, config: SwarmConfig): Promise<string[]> {
  const { disabledBackendUses, describeDisabledUses } = await import('../../backend-use.ts');
  const uses = disabledBackendUses(manifest, config.backends);
  return describeDisabledUses(uses).map((line, i) =>
    i < uses.length && !line.startsWith('…') ? `${line}: \`swarm run\` will refuse it; a dispatcher runs it only on a worker that offers ${uses[i].target}` : line,
  );
}

/**
 * The config, read as every command reads it, so a missing or broken one is an error here too
 * (exit 2), not passed over: its scheduler makes the order, its backends the warnings.
 */
async function configFor(configPath: string | undefined): Promise<SwarmConfig> {
  const { loadConfig } = await import('../../config/index.ts');
  return loadConfig(configPath).config;
}

/** Warnings listed at most, of one kind: a manifest of 10,000 symbols naming one missing file says it once. */
const MISSING_MODULES_LISTED = 20;

/**
 * `module` operations whose file is not where a run on this host would look (relative to the
 * manifest's directory): a warning, not a problem, since a remote worker may have the file.
 */
function missingModuleWarnings(manifest: Manifest, manifestPath: string): string[] {
  const base = dirname(resolve(manifestPath));
  const missing = new Map<string, string[]>();
  for (const symbol of manifest.symbols) {
    for (const [what, parameters] of [[symbol.name, symbol.parameters], [`${symbol.name}'s rollback`, symbol.rollback?.parameters]] as const) {
      if (!parameters || parameters.operation !== 'module' || typeof parameters.module !== 'string') continue;
      const file = isAbsolute(parameters.module) ? parameters.module : resolve(base, parameters.module);
      if (resolvable(file)) continue;
      const names = missing.get(file) ?? [];
      names.push(what);
      missing.set(file, names);
    }
  }
  const warnings = [...missing].slice(0, MISSING_MODULES_LISTED).map(([file, names]) => {
    const who = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
    // A folder is found, but is no module: a worker with the same folder fails it too.
    if (isDirectory(file)) return `module ${file} (${who}) is a directory, not a module file (it has no index file): a run on this host fails it`;
    return `module ${file} (${who}) does not exist here: a run on this host fails it; a remote worker needs it at this path`;
  });
  if (missing.size > MISSING_MODULES_LISTED) warnings.push(`… and ${missing.size - MISSING_MODULES_LISTED} more missing module files`);
  return warnings;
}

/** Whether a run's import() would find the file: as Bun resolves it (no extension, .js for .ts, a folder's index). */
function resolvable(file: string): boolean {
  try {
    Bun.resolveSync(file, dirname(file));
    return true;
  } catch {
    return false;
  }
}
