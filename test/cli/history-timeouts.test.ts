import { afterEach, describe, expect, test } from 'bun:test';
import { TIMEOUT, removeTempDirs, sandbox, swarm, swarmJson, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

/** The history table's rows as cells, by seq. */
function rowsOf(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => /^│ \d/.test(line))
    .map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()));
}

describe('swarm history of attempts that timed out', () => {
  test('a timeout row (XState `after` event, no payload) shows the attempt it ended and TASK_TIMEOUT; the rows of its step too; a rollback timeout its error', async () => {
    const { dir, config, db } = sandbox();
    const manifest = writeManifest(
      dir,
      'timeouts.yaml',
      [
        'name: timeouts',
        'symbols:',
        '  - name: slow',
        '    type: action',
        '    timeout: 200',
        '    retries: 1',
        '    parameters: {operation: delay, ms: 5000}',
        '    rollback: {name: slow-undo, type: action, timeout: 300, parameters: {operation: delay, ms: 5000}}',
        '',
      ].join('\n'),
    );
    const run = await swarmJson(['run', manifest, '--db', db], config);
    expect(run.code).toBe(1);
    const history = await swarm(['history', run.json.runId, '--db', db, '--symbol', 'slow'], config);
    expect(history.code).toBe(0);
    // Wrapped cells continue on lines of their own; the first line of each row is enough here.
    const rows = rowsOf(history.stdout).map(([, , , , transition, event, attempt, error]) => ({ transition, event, attempt, error }));
    const timedOut = rows.filter((r) => r.event.startsWith('xstate.after.attemptTimeout'));
    expect(timedOut.map((r) => [r.transition, r.attempt, r.error.split(':')[0]])).toEqual([
      ['running → failed', '1', 'TASK_TIMEOUT'],
      ['failed → retrying', '1', 'TASK_TIMEOUT'],
      ['running → failed', '2', 'TASK_TIMEOUT'],
      ['failed → rolling_back', '2', 'TASK_TIMEOUT'],
    ]);
    expect(rows.find((r) => r.event.startsWith('xstate.after.retryDelay'))).toMatchObject({ attempt: '', error: '' });
    expect(rows.find((r) => r.event.startsWith('xstate.after.rollbackTimeout'))).toMatchObject({
      transition: 'rolling_back → rollback_failed',
      attempt: '',
      error: 'TASK_TIMEOUT: the rollback',
    });
    // Filtered to the timeouts alone, the rows still know their attempts.
    const only = await swarm(['history', run.json.runId, '--db', db, '--event', 'xstate.after.attemptTimeout*'], config);
    expect(rowsOf(only.stdout).map((cells) => cells[6])).toEqual(['1', '1', '2', '2']);
  }, TIMEOUT);
});
