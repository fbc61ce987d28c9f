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

  // Under rollback_policy symbol (the default) a symbol that succeeded is never undone by a later
  // failure: its rollback, on a backend this host lacks, is nothing the resume would run. (The run
  // began where the backend was enabled: swarm run refuses a manifest a symbol of which could not
  // be undone here, should it fail.)
  test('a succeeded symbol whose rollback this host cannot run does not stop it, unless the run is a saga', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const withPhp = join(dir, 'with-php.toml');
    writeFileSync(withPhp, '[logging]\nfile = ""\n\n[backends.php_engine]\nenabled = true\nscript_path = "/nonexistent/symbolic-engine.php"\n');
    const manifest = (policy: string) =>
      writeManifest(
        dir,
        `${policy}.yaml`,
        `name: ${policy}\nrollback_policy: ${policy}\nsymbols:\n  - {name: first, type: action, parameters: {operation: echo, message: hi}, rollback: {name: undo-first, type: query, dispatch: php_engine, parameters: {operation: option.get, option: blogname}}}\n  - {name: hold, type: action, dependencies: [first], parameters: {operation: module, module: ${WAIT}, path: ${gate}}}\n`,
      );
    // Each in a database of its own: the newest run there is the one just started.
    const killedWhileHolding = async (file: string, at: string) => {
      const child = spawnCli(['run', file, '--db', at, '--quiet'], withPhp);
      const runId = await newestRunOnceRunning('hold', ['--db', at], config);
      child.kill('SIGKILL');
      await child.exited;
      return runId;
    };
    const saga = await killedWhileHolding(manifest('saga'), db);
    const refused = await swarm(['run', '--resume', saga, '--db', db, '--quiet'], config);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('symbol "first" (its rollback "undo-first"): dispatch php_engine, but [backends.php_engine] enabled = false');
    const other = join(dir, 'other.db');
    const symbol = await killedWhileHolding(manifest('symbol'), other);
    writeFileSync(gate, 'go');
    const resumed = await swarm(['run', '--resume', symbol, '--db', other, '--quiet'], config);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
  }, 60_000);
});
