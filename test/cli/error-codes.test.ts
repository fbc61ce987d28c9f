/**
 * Every error the swarm stores and shows carries a string `code`: UNKNOWN when what was thrown
 * had none (an Error without one, a thrown string) or one that is neither a string nor a number;
 * a number is kept as its digits. `run --json`, `show --json`, `show --attempts`, the rollbacks
 * and `history --json` agree. An older database's errors without a code read as UNKNOWN.
 */
import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const MODULE = `
export const plain = () => { throw new Error('plain error'); };
export const thrS = () => { throw 'a plain string'; };
export const num = () => { const e = new Error('number code'); e.code = 7; throw e; };
export const obj = () => { const e = new Error('object code'); e.code = { a: 1 }; throw e; };
export const empty = () => { const e = new Error('empty code'); e.code = ''; throw e; };
export const named = () => { const e = new Error('named code'); e.code = 'E_MINE'; throw e; };
`;

const sym = (name: string, extra = '') =>
  `  - {name: ${name}, type: action, retries: 0, parameters: {operation: module, module: ./errs.mjs, export: ${name}}${extra}}`;

const MANIFEST = [
  'name: errs',
  'symbols:',
  sym('plain'),
  sym('thrS'),
  sym('num'),
  sym('obj'),
  sym('empty'),
  sym('named', ', rollback: {name: undo, type: action, parameters: {operation: module, module: ./errs.mjs, export: plain}}'),
].join('\n');

const EXPECTED: Record<string, [string, string]> = {
  plain: ['UNKNOWN', 'plain error'],
  thrS: ['UNKNOWN', 'a plain string'],
  num: ['7', 'number code'],
  obj: ['UNKNOWN', 'object code'],
  empty: ['UNKNOWN', 'empty code'],
  named: ['E_MINE', 'named code'],
};

describe('error codes', () => {
  test('an error thrown without a string code is stored and shown with one, the same everywhere', async () => {
    const { dir, config, db } = sandbox();
    writeFileSync(join(dir, 'errs.mjs'), MODULE);
    const file = writeManifest(dir, 'errs.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.code).toBe(1);
    const show = await swarmJson(['show', run.json.runId, '--db', db], config);
    for (const result of [run.json, show.json]) {
      for (const [name, [code, message]] of Object.entries(EXPECTED)) {
        const task = result.tasks.find((t: { name: string }) => t.name === name);
        expect({ name, error: task.error }).toEqual({ name, error: { name: 'Error', code, message } });
      }
      const named = result.tasks.find((t: { name: string }) => t.name === 'named');
      expect(named.rollbackError).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'plain error' });
    }
    const attempts = await swarm(['show', run.json.runId, '--attempts', '--db', db], config);
    for (const [code, message] of Object.values(EXPECTED)) expect(attempts.stdout).toContain(`${code}: ${message}`);
    const history = await swarmJson(['history', run.json.runId, '--db', db, '--event', 'task.failed'], config);
    const failed = JSON.stringify(history.json);
    expect(failed).toContain('"code":"UNKNOWN"');
    expect(failed).toContain('"code":"7"');
  }, TIMEOUT);

  test("an older database's error without a code reads as UNKNOWN", async () => {
    const { dir, config, db } = sandbox();
    writeFileSync(join(dir, 'errs.mjs'), MODULE);
    const file = writeManifest(dir, 'errs.yaml', ['name: old', 'symbols:', sym('plain')].join('\n'));
    const run = await swarmJson(['run', file, '--db', db], config);
    // As an older swarm wrote it: no code.
    const sqlite = new Database(db);
    sqlite.run(`UPDATE tasks SET error = '{"name":"Error","message":"old error"}' WHERE run_id = ?`, [run.json.runId]);
    sqlite.close();
    const show = await swarmJson(['show', run.json.runId, '--db', db], config);
    expect(show.json.tasks[0].error).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'old error' });
  }, TIMEOUT);
});
