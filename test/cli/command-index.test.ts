import { describe, expect, test } from 'bun:test';
import { Command, Help } from 'commander';
import { COMMANDS } from '../../src/cli/command-index.ts';

describe('the command index', () => {
  test("lists every command as its module registers it (term and summary), so --help without loading them says the same", async () => {
    for (const entry of COMMANDS) {
      const program = new Command('swarm');
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === entry.name);
      expect(command, `module of ${entry.name}`).toBeDefined();
      expect(new Help().subcommandTerm(command!)).toBe(entry.term === '' ? entry.name : `${entry.name} ${entry.term}`);
      expect(command!.description()).toBe(entry.summary);
    }
  });

  test('every command a module registers is in the index', async () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    for (const entry of COMMANDS) {
      const program = new Command('swarm');
      (await entry.load())(program);
      for (const c of program.commands) expect(names.has(c.name())).toBe(true);
    }
  });
});
