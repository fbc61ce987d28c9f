import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, writeDefaultConfig } from '../../config/index.ts';
import { SwarmError, UsageError } from '../../errors.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';

/** `swarm config [output] [--force]`: writes the fully commented default config. */
export function registerConfig(program: Command): void {
  program
    .command('config')
    .description(summaryOf('config'))
    .argument('[output]', 'where to write it', `./${DEFAULT_CONFIG_FILE}`)
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print {"written": PATH} as JSON')
    .action(
      action(async (output: string, opts: { force?: boolean; json?: boolean }) => {
        let file: string;
        try {
          file = writeDefaultConfig(output, { force: opts.force === true });
        } catch (error) {
          if (error instanceof SwarmError) throw error;
          // A path that cannot be written (no permission, a directory) is bad input, not a crash.
          throw new UsageError(`Cannot write ${output}: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (opts.json) await printJson({ written: file });
        else await out(`Wrote the default config to ${file}; edit it and pass it to swarm commands (or set SWARM_CONFIG).`);
        return 0;
      }),
    );
}
