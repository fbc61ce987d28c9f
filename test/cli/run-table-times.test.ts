import { afterEach, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { removeTempDirs, sandbox, startSwarm, swarm, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

/** The duration cell of `symbol`'s row in a task table (symbol, status, attempts, node, duration, …). */
function durationOf(table: string, symbol: string): string | undefined {
  const row = table.split('\n').find((line) => line.startsWith(`│ ${symbol} `));
  return row?.split('│')[5]?.trim();
}

describe("swarm run's task table", () => {
  test('times a task by its own attempts, as swarm show does: one cancelled while it waited to retry is not stretched to the cancel', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 200' });
    // A retry long in coming: the cancel comes while flaky waits for it.
    writeFileSync(config, readFileSync(config, 'utf8').replace('retry_backoff_base = 20', 'retry_backoff_base = 5000').replace('retry_backoff_max = 100', 'retry_backoff_max = 5000'));
    const manifest = writeManifest(
      dir,
      'retry.yaml',
      [
        'name: cancel-mid-retry',
        'symbols:',
        '  - {name: flaky, type: action, retries: 10, parameters: {operation: fail, message: nope}}',
        '  - {name: long, type: action, parameters: {operation: delay, ms: 30000}}',
        '',
      ].join('\n'),
    );
    const run = startSwarm(['run', manifest, '--db', db], config);
    await Promise.race([run.waitForStderr('run accepted'), run.child.exited.then(async () => Promise.reject(new Error((await run.finish()).stderr)))]);
    await until('flaky to wait for its retry', async () => {
      const runs = (await swarmJson(['runs', '--db', db], config)).json.runs;
      if (runs.length === 0) return undefined;
      const tasks = (await swarmJson(['show', runs[0].runId, '--db', db], config)).json.tasks as { name: string; status: string }[];
      return tasks.find((t) => t.name === 'flaky')?.status === 'retrying' ? true : undefined;
    });
    run.child.kill('SIGINT');
    const result = await run.finish();
    expect(result.code).toBe(1);
    const runId = (await swarmJson(['runs', '--db', db], config)).json.runs[0].runId;
    const shown = await swarm(['show', runId, '--db', db], config);
    const inShow = durationOf(shown.stdout, 'flaky');
    expect(inShow).toMatch(/ms$/); // one attempt's time, not the wait for the retry
    expect(durationOf(result.stdout, 'flaky')).toBe(inShow);
  }, 2 * TIMEOUT);
});
