import { afterEach, describe, expect, test } from 'bun:test';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, swarmJson, writeManifest } from './helpers.ts';
import { killWorkers, remoteOnlyConfig, startWorker, waitForNodeIds, waitForRun } from './worker-process.ts';

/**
 * A worker drained (SIGTERM) after its dispatcher died (kill -9) finishes its running task, but
 * the result has nowhere to go: it says so, naming the attempt, instead of exiting as if it had
 * been reported. Real processes on 127.0.0.1.
 */
afterEach(async () => {
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

describe('a draining worker whose dispatcher is gone', () => {
  test('finishes its task, warns that the result was not delivered (naming the attempt), and exits 0', async () => {
    const { dir, config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    const w = startWorker(config, d.url, 'w');
    await waitForNodeIds(d.url, ['remote:w']);
    const manifest = writeManifest(dir, 'held.yaml', 'name: held\nsymbols:\n  - {name: work, type: action, parameters: {operation: delay, ms: 2500}}\n');
    const deployed = await swarmJson(['deploy', manifest, config, '--url', d.url, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start on the worker', 20_000);

    d.child.kill('SIGKILL');
    await within(d.child.exited, 10_000, 'the dispatcher to die');
    await w.waitForLog('the connection to the dispatcher closed', 10_000);
    expect(await w.stop('SIGTERM', 20_000)).toBe(0);

    const [warning] = await w.waitForLog('1 result was not delivered', 5_000);
    expect(warning).toMatchObject({ level: 'warn', component: 'worker', undelivered: [`${runId}/work/run/1`] });
    expect(warning.msg).toContain(`${runId}/work/run/1`);
    expect(warning.msg).toContain('runs them again');
  }, 60_000);
});
