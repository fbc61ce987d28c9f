/**
 * `swarm run --resume` with a config whose host cannot run what the run has left (no local
 * workers, or the backend its symbols dispatch to disabled) refuses before it takes the run up,
 * as `swarm run`, `replay` and `rollback` do: before, it took the run up and failed every task
 * left with NO_CAPABLE_NODE, so the hint the CLI itself prints destroyed a run that a
 * dispatcher (or a resume with the right config) would have finished.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newestRunOnceRunning, removeTempDirs, sandbox, spawnCli, swarm, swarmJson, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');

describe('run --resume on a host that cannot run what is left', () => {
  test('refuses with exit 2, names the symbols, and leaves the run as it was; a resume that can run it finishes it', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const file = writeManifest(
      dir,
      'held.yaml',
      `name: held\nsymbols:\n  - {name: first, type: action, parameters: {operation: echo, message: hi}}\n  - {name: hold, type: action, dependencies: [first], parameters: {operation: module, module: ${WAIT}, path: ${gate}}}\n  - {name: after, type: action, dependencies: [hold], parameters: {operation: noop}}\n`,
    );
    const child = spawnCli(['run', file, '--db', db, '--quiet'], config);
    const runId = await newestRunOnceRunning('hold', ['--db', db], config);
    child.kill('SIGKILL');
    await child.exited;

    const coordinateOnly = join(dir, 'coordinate-only.toml');
    writeFileSync(coordinateOnly, '[logging]\nfile = ""\n\n[dispatcher]\nlocal_workers = 0\n');
    const refused = await swarm(['run', '--resume', runId, '--db', db], coordinateOnly);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`swarm run --resume ${runId} cannot run here`);
    expect(refused.stderr).toContain('symbol "hold": dispatch internal, but [dispatcher] local_workers = 0');
    expect(refused.stderr).toContain('symbol "after"');
    // What had succeeded is not listed: it does not run again.
    expect(refused.stderr).not.toContain('symbol "first"');
    const shown = (await swarmJson(['show', runId, '--db', db], config)).json;
    expect(shown).toMatchObject({ status: 'running', interrupted: true });
    expect(shown.tasks.map((t: { name: string; status: string }) => `${t.name}:${t.status}`)).toEqual(['first:succeeded', 'hold:running', 'after:pending']);

    writeFileSync(gate, 'go');
    const resumed = await swarm(['run', '--resume', runId, '--db', db, '--quiet'], config);
    expect(resumed.code).toBe(0);
    expect((await swarmJson(['show', runId, '--db', db], config)).json.status).toBe('succeeded');
  });
});
