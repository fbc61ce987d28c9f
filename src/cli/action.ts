import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
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
    // `--db --json` took --json as a value, but the person still asked for JSON.
    const json = command.optsWithGlobals().json === true || [...valuedOptions(command)].some(([, value]) => value === '--json');
    let code: number;
    try {
      refuseFlagsTakenAsValues(command);
      code = await body(...(args as A));
    } catch (error) {
      code = await reportError(error, json);
    }
    await exitWith(code);
  };
}

/**
 * Commander gives an option that needs a value whatever argument follows it, flags included:
 * `--db --quiet` would use a database file named "--quiet". A value that is one of the
 * command's own flags, or any `--word`, is refused as a forgotten value instead.
 */
function refuseFlagsTakenAsValues(command: Command): void {
  const flags = new Set<string>(['--help', '-h']);
  for (let c: Command | null = command; c; c = c.parent) {
    for (const option of c.options) {
      if (option.long) flags.add(option.long);
      if (option.short) flags.add(option.short);
    }
  }
  for (const [name, value] of valuedOptions(command)) {
    // Given as `--name=value`, it is the value, whatever it looks like.
    if (process.argv.includes(`${name}=${value}`)) continue;
    if (flags.has(value) || /^--[A-Za-z]/.test(value)) {
      throw new UsageError(`${name} needs a value, but what follows it is the option ${value}; give the value right after ${name}.`);
    }
  }
}

/** The string values given to the options of `command` (and of the commands it is under) that take one. */
function* valuedOptions(command: Command): Generator<[name: string, value: string]> {
  for (let c: Command | null = command; c; c = c.parent) {
    for (const option of c.options) {
      if (!option.required && !option.optional) continue;
      const given: unknown = c.getOptionValue(option.attributeName());
      for (const value of Array.isArray(given) ? given : [given]) {
        if (typeof value === 'string') yield [option.long ?? option.short ?? option.flags, value];
      }
    }
  }
}
