/** A symbol for a backend the config leaves disabled: validate warns, swarm run refuses (exit 2) before anything runs. */
import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
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

  test('swarm run: exit 2 naming the symbols and the key, and no run is recorded', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'needs-php.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.code).toBe(2);
    expect(run.json.error.message).toContain('symbol "site": dispatch php_engine, but [backends.php_engine] enabled = false');
    expect(run.json.error.message).toContain('swarm deploy');
    expect(existsSync(db)).toBe(false);
  }, TIMEOUT);
});
