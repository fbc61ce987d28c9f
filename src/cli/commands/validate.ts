import type { Command } from 'commander';
import { ManifestError } from '../../errors.ts';
import { loadManifestFile, topologicalOrder } from '../../manifest/index.ts';
import { action } from '../action.ts';
import { err, out } from '../exit.ts';
import { printJson } from '../output.ts';

/**
 * `swarm validate <manifest> [--json]`: exit 0 and a one-line summary when valid; exit 2 and
 * every issue (file:line:column, symbol, field) on stderr when not. With --json the verdict is
 * `{"valid", "name"?, "symbols"?, "order"?, "issues": [...]}` on stdout, valid or not.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a manifest (exit 0 valid, 2 invalid)')
    .argument('<manifest>', 'manifest file (.yaml, .yml or .toml)')
    .option('--json', 'print the verdict as JSON')
    .action(
      action(async (path: string, opts: { json?: boolean }) => {
        let loaded;
        try {
          loaded = loadManifestFile(path);
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          if (opts.json) await printJson({ valid: false, issues: error.issues });
          else await err(error.message); // the count, then every issue as formatIssue words it
          return 2;
        }
        const { manifest } = loaded;
        const order = topologicalOrder(manifest);
        if (opts.json) {
          await printJson({ valid: true, name: manifest.name, symbols: manifest.symbols.length, order, issues: [] });
        } else {
          const n = manifest.symbols.length;
          await out(`${path}: valid: "${manifest.name}", ${n} symbol${n === 1 ? '' : 's'}; order: ${order.join(' → ')}`);
        }
        return 0;
      }),
    );
}
