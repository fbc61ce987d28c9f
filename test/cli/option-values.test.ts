/** An option that needs a value never takes the next flag as its value. */
import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, ROOT, sandbox, swarm } from './helpers.ts';

afterEach(removeTempDirs);

describe('an option whose value is missing', () => {
  test('is refused (exit 2) when a flag follows it, and nothing is created under the flag\'s name', async () => {
    const { config } = sandbox();
    const run = await swarm(['run', 'examples/hello.yaml', '--db', '--quiet'], config);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--db needs a value, but what follows it is the option --quiet');
    expect(existsSync(join(ROOT, '--quiet'))).toBe(false);

    // Flags of the command's own, or anything that looks like a long option.
    const runs = await swarm(['runs', '--status', '-h'], config);
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain('--status needs a value');
    const typo = await swarm(['show', 'x', '--db', '--jsn'], config);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--db needs a value');

    // Attached with `=`, it is the value (a workflow may be named so).
    const attached = await swarm(['runs', '--db', join(ROOT, 'no-such.db'), '--workflow=--nightly'], config);
    expect(attached.stderr).not.toContain('needs a value');
    // --json taken as the value still gets its one JSON document.
    const json = await swarm(['runs', '--db', '--json'], config);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('--db needs a value') });
  });
});
