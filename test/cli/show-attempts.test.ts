/**
 * `swarm show` as people read a failure: whole error messages, every attempt (--attempts),
 * and summary lines whose numbers add up to the total.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const LONG = 'the backend said no: ' + Array.from({ length: 40 }, (_, i) => `reason-${i}`).join(' ') + ' END-OF-MESSAGE';

const MANIFEST = `name: story
symbols:
  - name: flaky
    type: action
    retries: 2
    parameters: {operation: fail, message: not yet, times: 2}
  - name: doomed
    type: action
    retries: 1
    parameters: {operation: fail, message: "${LONG}"}
    rollback: {name: undo, type: action, parameters: {operation: echo, message: undone}}
  - name: below
    type: action
    dependencies: [doomed]
    parameters: {operation: noop}
`;

describe('swarm show', () => {
  test('prints a long error whole, and a summary that counts every final status', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'story.yaml', MANIFEST);
    const run = await swarm(['run', file, '--db', db], config);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('3 tasks: 1 succeeded, 1 rolled back, 1 skipped.');
    const id = /Run (\S+)/.exec(run.stdout)![1];
    const show = await swarm(['show', id, '--db', db], config);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('3 tasks: 1 succeeded, 1 rolled back, 1 skipped');
    // Wrapped over several lines of the table, but every word is there.
    const cells = show.stdout.replace(/[│\n]/g, ' ').replace(/\s+/g, ' ');
    expect(cells).toContain('END-OF-MESSAGE');
    for (let i = 0; i < 40; i++) expect(cells).toContain(`reason-${i} `);
  }, TIMEOUT);

  test('--attempts: each attempt with node, times, result and error; the rollback apart', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'story.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    const shown = await swarmJson(['show', run.json.runId, '--attempts', '--db', db], config);
    const log = (name: string) => shown.json.tasks.find((t: { name: string }) => t.name === name).attemptLog;
    expect(log('flaky').map((a: any) => [a.kind, a.attempt, a.result])).toEqual([
      ['run', 1, 'failed'],
      ['run', 2, 'failed'],
      ['run', 3, 'succeeded'],
    ]);
    expect(log('flaky')[0]).toMatchObject({ node: 'local', error: { code: 'OPERATION_FAILED', message: 'not yet' } });
    expect(log('doomed').map((a: any) => [a.kind, a.result])).toEqual([
      ['run', 'failed'],
      ['run', 'failed'],
      ['rollback', 'rolled_back'],
    ]);
    expect(log('doomed')[2].output).toBe('undone');
    expect(log('below')).toEqual([]);
    const text = await swarm(['show', run.json.runId, '--attempts', '--db', db], config);
    expect(text.stdout).toContain('flaky (succeeded):');
    expect(text.stdout).toContain('OPERATION_FAILED: not yet');
    expect(text.stdout).toMatch(/rollback .*rolled back .*undone/);
  }, TIMEOUT);

  test('history shows the attempt and the error of each row', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'story.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    const history = await swarm(['history', run.json.runId, '--db', db], config);
    expect(history.stdout).toMatch(/attempt .*error/);
    expect(history.stdout).toMatch(/running → failed .*task\.failed .* 2 .*OPERATION_FAILED: not yet/);
  }, TIMEOUT);
});
