import type { Command } from 'commander';
import { exitWith } from './exit.ts';
import { reportError } from './output.ts';

/**
 * Wraps a command's body for commander: the body returns the exit code (or throws), errors are
 * reported in the command's output mode (--json → a JSON error document on stdout), and the
 * process exits through `exitWith`, which cleans up and flushes first.
 */
export function action<A extends unknown[]>(body: (...args: A) => Promise<number>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const json = command.optsWithGlobals().json === true;
    let code: number;
    try {
      code = await body(...(args as A));
    } catch (error) {
      code = await reportError(error, json);
    }
    await exitWith(code);
  };
}
