/**
 * A run compensates what it did: rolling back a replay leaves the symbols it only reused (the
 * earlier run did them, and says so), and rolling back that earlier run undoes them once.
 */
import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const APPEND = resolve(import.meta.dir, '../fixtures/modules/append-line.ts');

function manifest(undoLog: string, cFails: boolean): string {
  const undo = (name: string) => `{name: undo-${name}, type: action, parameters: {operation: module, module: ${APPEND}, file: ${undoLog}}}`;
  return `name: twice
symbols:
  - name: a
    type: action
    parameters: {operation: echo, message: done a}
    rollback: ${undo('a')}
  - name: plain
    type: action
    parameters: {operation: noop}
  - name: c
    type: action
    retries: 0
    dependencies: [a]
    parameters: {operation: ${cFails ? 'fail, message: not yet' : 'echo, message: done c'}}
    rollback: ${undo('c')}
`;
}

describe('rolling back a replay and the run it replayed', () => {
  test('each undo runs once, in the run that did the work; what is left is said', async () => {
    const { dir, config, db } = sandbox();
    const log = join(dir, 'undo.log');
    const first = await swarmJson(['run', writeManifest(dir, 'v1.yaml', manifest(log, true)), '--db', db], config);
    expect(first.json.status).toBe('failed');
    // c's own rollback ran when it failed for good (policy symbol): that is the first line.
    const fixed = writeManifest(dir, 'v2.yaml', manifest(log, false));
    const replay = await swarmJson(['replay', first.json.runId, '--manifest', fixed, '--db', db], config);
    expect(replay.json.status).toBe('succeeded');
    expect(replay.json.tasks.find((t: { name: string }) => t.name === 'a').reused).toBe(true);

    const back = await swarm(['rollback', replay.json.runId, '--db', db], config);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain(`not compensated: "a": reused from run ${first.json.runId}, which did it: roll that run back to undo it`);
    expect(back.stderr).toContain('"plain": it has no rollback');
    const undoneByReplay = readFileSync(log, 'utf8').trim().split('\n');
    expect(undoneByReplay.map((l) => l.split(' ')[1])).toEqual(['undo-c', 'undo-c']);
    expect(undoneByReplay[1].startsWith(replay.json.runId)).toBe(true);

    const original = await swarmJson(['rollback', first.json.runId, '--db', db], config);
    expect(original.json.status).toBe('rolled_back');
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['undo-c', 'undo-c', 'undo-a']);
    expect(lines[2].startsWith(first.json.runId)).toBe(true);
  }, TIMEOUT);

  test('a replay whose only undoable symbols were reused has nothing to roll back, and says where to go', async () => {
    const { dir, config, db } = sandbox();
    const log = join(dir, 'undo.log');
    const first = await swarmJson(['run', writeManifest(dir, 'v1.yaml', manifest(log, true)), '--db', db], config);
    const replay = await swarmJson(['replay', first.json.runId, '--from', 'plain', '--db', db], config);
    // c fails again in the replay and is rolled back there by its own policy; a is reused.
    const back = await swarmJson(['rollback', replay.json.runId, '--db', db], config);
    expect(back.code).toBe(2);
    expect(back.json.error.message).toContain(`"a": reused from run ${first.json.runId}`);
    // The run that did it pruned (as `swarm prune` deletes one): not "roll that run back".
    const file = new Database(db);
    file.run('PRAGMA foreign_keys = ON');
    file.run('DELETE FROM runs WHERE id = ?', [first.json.runId]);
    file.close();
    const gone = await swarmJson(['rollback', replay.json.runId, '--db', db], config);
    expect(gone.code).toBe(2);
    expect(gone.json.error.message).toContain(`"a": reused from run ${first.json.runId}, which did it and has been deleted since (swarm prune): the swarm cannot undo it`);
  }, TIMEOUT);
});
