import { afterEach, describe, expect, test } from 'bun:test';
import { killDispatchers, startDispatcher, type DispatcherProcess } from './dispatcher-process.ts';
import { removeTempDirs, swarmJson, until, writeManifest } from './helpers.ts';
import { killWorkers, remoteOnlyConfig, startWorker, waitForNodeIds, waitForRun, waitForRunEnd } from './worker-process.ts';

/**
 * A dispatcher that was itself not running (SIGSTOP, a paused VM) for longer than
 * heartbeat_timeout does not blame its workers for it: the worker's heartbeats and results wait
 * in the socket, and are read before the worker is judged lost. Real processes on 127.0.0.1.
 */
const stopped: DispatcherProcess[] = [];
afterEach(async () => {
  for (const d of stopped.splice(0)) d.child.kill('SIGCONT'); // a stopped process cannot die of SIGKILL
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

describe('a dispatcher stopped for longer than heartbeat_timeout', () => {
  test('keeps its worker: the task running there is not failed NODE_LOST, its result is taken, the run succeeds on its first attempt', async () => {
    const { dir, config, db } = remoteOnlyConfig({ heartbeatTimeout: 2000 });
    const d = await startDispatcher(config);
    const w = startWorker(config, d.url, 'wk');
    await waitForNodeIds(d.url, ['remote:wk']);
    const manifest = writeManifest(dir, 'held.yaml', 'name: held\nsymbols:\n  - {name: work, type: action, retries: 0, parameters: {operation: delay, ms: 4000}}\n');
    const deployed = await swarmJson(['deploy', manifest, config, '--url', d.url, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start on the worker', 20_000);

    d.child.kill('SIGSTOP');
    stopped.push(d);
    // The worker has had no answer for heartbeat_timeout: the dispatcher has not read its
    // heartbeats for at least that long either.
    const [waiting] = await w.waitForLog('the dispatcher has sent nothing for', 20_000);
    expect(waiting.msg).toContain('waiting for it');
    d.child.kill('SIGCONT');
    stopped.splice(stopped.indexOf(d), 1);
    await w.waitForLog('the dispatcher answers again', 20_000);

    const done = await waitForRunEnd(d.url, runId, 30_000);
    expect(done.status).toBe('succeeded');
    expect(done.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:wk', attempts: 1, error: null });
    expect(d.stderr()).not.toContain('worker lost');
    expect(w.logged('the dispatcher refused a result')).toEqual([]);
    expect(w.logged('the connection to the dispatcher closed')).toEqual([]);
    expect(await d.stop()).toBe(0);
    const history = await swarmJson(['history', runId, '--db', db], config);
    expect(JSON.stringify(history.json.transitions)).not.toContain('NODE_LOST');
  }, 60_000);

  test("does not time out a task whose result waited in the socket: the task's own deadline passed while the dispatcher was not running", async () => {
    // Before, on SIGCONT the task's timeout fired before the socket was read: TASK_TIMEOUT for a
    // task that had finished in a fifth of its time, and its result refused as no longer current.
    const { dir, config, db } = remoteOnlyConfig({ heartbeatTimeout: 60_000 });
    const d = await startDispatcher(config);
    startWorker(config, d.url, 'wk');
    await waitForNodeIds(d.url, ['remote:wk']);
    const manifest = writeManifest(dir, 'quick.yaml', 'name: quick\nsymbols:\n  - {name: work, type: action, retries: 0, timeout: 1500, parameters: {operation: delay, ms: 300}}\n');
    const deployed = await swarmJson(['deploy', manifest, config, '--url', d.url, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    const running = await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start on the worker', 20_000);

    d.child.kill('SIGSTOP');
    stopped.push(d);
    // The stall is the test: it lasts past the task's deadline (its start + 1500 ms), well after
    // the worker sent the result of its 300 ms.
    const deadline = (running.tasks[0].startedAt as number) + 1500;
    await until('the task deadline to pass', () => (Date.now() > deadline + 1000 ? true : undefined), 20_000);
    d.child.kill('SIGCONT');
    stopped.splice(stopped.indexOf(d), 1);

    const done = await waitForRunEnd(d.url, runId, 30_000);
    expect(done.tasks[0]).toMatchObject({ status: 'succeeded', attempts: 1, error: null });
    expect(done.status).toBe('succeeded');
    expect(await d.stop()).toBe(0);
    const history = await swarmJson(['history', runId, '--db', db], config);
    expect(JSON.stringify(history.json.transitions)).not.toContain('TASK_TIMEOUT');
  }, 60_000);
});
