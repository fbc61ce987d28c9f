/**
 * The "rollbacks:" table lists the compensations in the order they ran. Before, it sorted them
 * by their start in milliseconds and left ties in the tasks' order, so fast rollbacks (several in
 * one millisecond) were printed oldest symbol first, the reverse of what ran.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const NAMES = ['s1', 's2', 's3', 's4', 's5', 's6'];
/** A chain s1 ← s2 ← … ← s6 whose rollbacks take no time: they are undone s6 first. */
const MANIFEST = `name: chain
symbols:
${NAMES.map((n, i) => `  - {name: ${n}, type: action, ${i > 0 ? `dependencies: [${NAMES[i - 1]}], ` : ''}parameters: {operation: noop}, rollback: {name: undo-${n}, type: action, parameters: {operation: echo, message: u-${n}}}}`).join('\n')}
`;

/** The symbols of the rollbacks table, top to bottom. */
function tableOrder(stdout: string): string[] {
  const table = stdout.slice(stdout.indexOf('rollbacks:'));
  return [...table.matchAll(/^│ (s\d) +│/gm)].map((m) => m[1]);
}

describe('the rollbacks table', () => {
  test('lists the compensations in the order they ran (swarm rollback, then swarm show)', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'chain.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.json.status).toBe('succeeded');
    const rollback = await swarm(['rollback', run.json.runId, '--db', db], config);
    expect(rollback.code).toBe(0);
    const history = (await swarmJson(['history', run.json.runId, '--db', db], config)).json.transitions as { event: string; actorId: string }[];
    const ran = history.filter((t) => t.event === 'task.compensate').map((t) => t.actorId.slice('task:'.length));
    expect(ran).toEqual([...NAMES].reverse());
    expect(tableOrder(rollback.stdout)).toEqual(ran);
    const show = await swarm(['show', run.json.runId, '--db', db], config);
    expect(tableOrder(show.stdout)).toEqual(ran);
  }, TIMEOUT);
});
