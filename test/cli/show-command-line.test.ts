import { describe, expect, test } from 'bun:test';
import { shellWord, showCommandLine } from '../../src/command-line.ts';

describe('the swarm show command a run prints', () => {
  test('names the config and --db, quoted for a POSIX shell', () => {
    expect(showCommandLine('r1', undefined, undefined)).toBe('swarm show r1');
    expect(showCommandLine('r1', '/tmp/my config.toml', '/tmp/state.db')).toBe("swarm show r1 '/tmp/my config.toml' --db /tmp/state.db");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });

  test('a path that would read as an option gets ./ in front', () => {
    expect(showCommandLine('r1', '-my.toml', '--state.db')).toBe('swarm show r1 ./-my.toml --db ./--state.db');
  });

  test("never prints a database URL's password", () => {
    const line = showCommandLine('r1', undefined, 'postgres://u:s3cret@db.example/swarm?password=x');
    expect(line).not.toContain('s3cret');
    expect(line).toContain('postgres://u:***@db.example/swarm');
  });
});
