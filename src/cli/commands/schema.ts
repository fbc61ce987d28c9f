import type { Command } from 'commander';
import { manifestJsonSchema } from '../../manifest/index.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { printJson } from '../output.ts';

/** `swarm schema`: the manifest JSON Schema (draft 2020-12) on stdout, for editors and CI. */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(summaryOf('schema'))
    .action(
      action(async () => {
        await printJson(manifestJsonSchema());
        return 0;
      }),
    );
}
