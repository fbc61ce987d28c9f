import type { Command } from 'commander';
import { ManifestError } from '../../errors.ts';
import { dependencyEdges } from '../../graph/dag.ts';
import { loadManifestFile, topologicalOrder } from '../../manifest/index.ts';
import type { Manifest } from '../../manifest/types.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { err, out } from '../exit.ts';
import { printJson } from '../output.ts';

/**
 * `swarm validate <manifest> [--json]`: exit 0 and a one-line summary when valid; exit 2 and
 * every issue (file:line:column, symbol, field) on stderr when not. With --json the verdict is
 * `{"valid", "name"?, "symbols"?, "order"?, "problems"?, "issues": [...]}` on stdout, valid or
 * not; `problems` (when invalid) counts them all, `issues` lists the first 500 and a last one
 * that counts the rest.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(summaryOf('validate'))
    .argument('<manifest>', 'manifest file (.yaml, .yml or .toml)')
    .argument('[config]', 'config file, read only to warn about symbols whose backend it does not enable (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
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
        const order = topologicalOrder(manifest);
        const warnings = await backendWarnings(manifest, configPath);
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
 * dispatcher needs a worker that offers the backend. The config is read only when some symbol
 * needs a backend at all, so validating an internal-only manifest stays quick.
 */
async function backendWarnings(manifest: Manifest, configPath: string | undefined): Promise<string[]> {
  const external = manifest.symbols.some((s) => s.dispatch !== 'internal' || (s.rollback && s.rollback.dispatch !== 'internal'));
  if (!external) return [];
  const [{ loadConfig }, { disabledBackendUses, describeDisabledUses }] = await Promise.all([import('../../config/index.ts'), import('../../backend-use.ts')]);
  const { config } = loadConfig(configPath);
  const uses = disabledBackendUses(manifest, config.backends);
  return describeDisabledUses(uses).map((line, i) =>
    i < uses.length && !line.startsWith('…') ? `${line}: \`swarm run\` will refuse it; a dispatcher runs it only on a worker that offers ${uses[i].target}` : line,
  );
}
