/** A symbol for a backend the config leaves disabled: validate warns, swarm run refuses (exit 2) before anything runs. */
import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const MANIFEST = `name: needs-php
symbols:
  - {name: local, type: action, parameters: {operation: noop}}
  - name: site
    type: action
    dispatch: php_engine
    parameters: {operation: option.get, option: blogname}
  - name: undoable
    type: action
    parameters: {operation: noop}
    rollback: {name: undo-in-php, type: action, dispatch: php_engine, parameters: {operation: undo}}
`;

/** A config whose host has no worker threads of its own. */
function noLocalWorkers(dir: string): string {
  const config = join(dir, 'no-threads.toml');
  writeFileSync(config, '[logging]\nfile = ""\n\n[dispatcher]\nlocal_workers = 0\n');
  return config;
}

describe('a manifest that needs a disabled backend', () => {
  test('validate: valid, with a warning per symbol (text and JSON)', async () => {
    const { dir, config } = sandbox();
    const file = writeManifest(dir, 'needs-php.yaml', MANIFEST);
    const text = await swarm(['validate', file], config);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('warning: symbol "site": dispatch php_engine, but [backends.php_engine] enabled = false: `swarm run` will refuse it');
    expect(text.stderr).toContain('symbol "undoable" (its rollback "undo-in-php")');
    const json = await swarmJson(['validate', file], config);
    expect(json.json.valid).toBe(true);
    expect(json.json.warnings).toHaveLength(2);
  }, TIMEOUT);

  test('validate reads the config as every command does: a missing or broken one is exit 2, even for an internal-only manifest', async () => {
    const { dir, config } = sandbox();
    const missing = await swarm(['validate', 'examples/hello.yaml', join(dir, 'nope.toml')], config);
    expect(missing.code).toBe(2);
    const broken = join(dir, 'broken.toml');
    writeFileSync(broken, '[dispatcher\n');
    expect((await swarm(['validate', 'examples/hello.yaml', broken], config)).code).toBe(2);
    expect((await swarm(['validate', 'examples/hello.yaml'], join(dir, 'nope.toml'))).code).toBe(2);
    expect((await swarm(['validate', 'examples/hello.yaml'], config)).code).toBe(0);
  }, TIMEOUT);

  test('swarm run: exit 2 naming the symbols and the key, and no run is recorded', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'needs-php.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.code).toBe(2);
    expect(run.json.error.message).toContain('symbol "site": dispatch php_engine, but [backends.php_engine] enabled = false');
    expect(run.json.error.message).toContain('swarm deploy');
    expect(existsSync(db)).toBe(false);
  }, TIMEOUT);

  test('local_workers = 0: swarm run refuses the internal symbols too, with both fixes; validate does not warn of them', async () => {
    const { dir, db } = sandbox();
    const config = noLocalWorkers(dir);
    const file = writeManifest(dir, 'needs-php.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.code).toBe(2);
    const message: string = run.json.error.message;
    expect(message).toContain('symbol "local": dispatch internal, but [dispatcher] local_workers = 0');
    expect(message).toContain('symbol "undoable": dispatch internal, but [dispatcher] local_workers = 0');
    expect(message).toContain('Set [dispatcher] local_workers above 0, and enable the backend (and set its paths) in the config; or deploy');
    expect(existsSync(db)).toBe(false);
    expect((await swarmJson(['validate', file], config)).json.warnings).toHaveLength(2);
  }, TIMEOUT);

  test('local_workers = 0 with the backend enabled: its symbols are refused too (no backend process starts without local workers)', async () => {
    const { dir, db } = sandbox();
    const config = join(dir, 'php-no-threads.toml');
    writeFileSync(config, `[logging]\nfile = ""\n\n[dispatcher]\nlocal_workers = 0\n\n[backends.php_engine]\nenabled = true\nscript_path = "${join(import.meta.dir, '../fixtures/backends/symbolic-engine.php')}"\n`);
    const file = writeManifest(dir, 'needs-php.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.code).toBe(2);
    const message: string = run.json.error.message;
    expect(message).toContain('symbol "site": dispatch php_engine, but [dispatcher] local_workers = 0');
    expect(message).not.toContain('enabled = false');
    expect(message).toContain('Set [dispatcher] local_workers above 0; or deploy');
    expect(existsSync(db)).toBe(false);
  }, TIMEOUT);

  test('rollback_policy none: a rollback in a disabled backend never runs, so run, replay and validate take the manifest', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(
      dir,
      'no-undo.yaml',
      'name: no-undo\nrollback_policy: none\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}, rollback: {name: undo-in-php, type: action, dispatch: php_engine, parameters: {operation: undo}}}\n',
    );
    expect((await swarmJson(['validate', file], config)).json.warnings ?? []).toEqual([]);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run).toMatchObject({ code: 0, json: { status: 'succeeded' } });
    const again = await swarmJson(['replay', run.json.runId, '--all', '--db', db], config);
    expect(again).toMatchObject({ code: 0, json: { status: 'succeeded' } });
  }, TIMEOUT);

  test('a thousand symbols it cannot run: ten are named, the rest counted', async () => {
    const { dir, db } = sandbox();
    const config = noLocalWorkers(dir);
    const symbols = Array.from({ length: 1_000 }, (_, i) => `  - {name: s${i}, type: action, parameters: {operation: noop}}`).join('\n');
    const run = await swarmJson(['run', writeManifest(dir, 'many.yaml', `name: many\nsymbols:\n${symbols}\n`), '--db', db], config);
    expect(run.code).toBe(2);
    expect(run.json.error.message).toContain('symbol "s9": dispatch internal');
    expect(run.json.error.message).not.toContain('symbol "s10"');
    expect(run.json.error.message).toContain('… and 990 more');
  }, TIMEOUT);

  test('local_workers = 0: a local replay or rollback refuses what it would run, and only that', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'undoable.yaml', 'name: undoable\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}, rollback: {name: undo-a, type: action, parameters: {operation: noop}}}\n');
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.json.status).toBe('succeeded');
    const noThreads = noLocalWorkers(dir);
    const rollback = await swarmJson(['rollback', run.json.runId, noThreads, '--db', db]);
    expect(rollback.code).toBe(2);
    expect(rollback.json.error.message).toContain('symbol "a" (its rollback "undo-a"): dispatch internal, but [dispatcher] local_workers = 0');
    const again = await swarmJson(['replay', run.json.runId, noThreads, '--db', db, '--all']);
    expect(again.code).toBe(2);
    expect(again.json.error.message).toContain(`swarm replay ${run.json.runId} cannot run here`);
    // Reusing everything runs nothing: nothing to refuse.
    const reused = await swarmJson(['replay', run.json.runId, noThreads, '--db', db]);
    expect(reused).toMatchObject({ code: 0, json: { status: 'succeeded' } });
    expect((await swarmJson(['runs', '--db', db], config)).json.runs).toHaveLength(2);
  }, TIMEOUT);
});

