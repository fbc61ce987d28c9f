import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'bun:test';
import { killDispatchers, startDispatcher, type DispatcherProcess } from './dispatcher-process.ts';
import { removeTempDirs, swarmJson, writeManifest } from './helpers.ts';
import { killWorkers, remoteOnlyConfig, startWorker, waitForNodeIds, waitForRun, waitForRunEnd } from './worker-process.ts';

/**
 * A worker that names several dispatchers leaves one that has gone silent — frozen with SIGSTOP,
 * so its process and its TCP connections stay up and no close ever comes — and moves to the
 * next. Two dispatcher processes on one SQLite file, one worker process; the second takes the
 * frozen one's run over once its lease has run out and runs it on the worker.
 */
const stopped: DispatcherProcess[] = [];
afterEach(async () => {
  for (const d of stopped.splice(0)) d.child.kill('SIGCONT'); // a stopped process cannot die of SIGKILL
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

const MOVED = 'the dispatcher has sent nothing for';
const REGISTERED = 'registered with the dispatcher';

describe('a worker whose dispatcher goes silent', () => {
  test('with several dispatchers named, it moves to the next, which takes the run over and runs it there', async () => {
    const { dir, config } = remoteOnlyConfig({ heartbeatTimeout: 2000 });
    // Short, so that a worker staying with the frozen dispatcher fails the run soon (NO_CAPABLE_NODE).
    writeFileSync(config, readFileSync(config, 'utf8').replace('retry_backoff_max = 100', 'retry_backoff_max = 100\nnode_wait_timeout = 8000'));
    const a = await startDispatcher(config);
    const b = await startDispatcher(config);
    const w = startWorker(config, `${a.url},${b.url}`.replace(/http:/g, 'ws:'), 'w');
    await waitForNodeIds(a.url, ['remote:w']);

    const manifest = writeManifest(dir, 'held.yaml', 'name: held\nsymbols:\n  - {name: work, type: action, retries: 0, parameters: {operation: delay, ms: 3000}}\n');
    const deployed = await swarmJson(['deploy', manifest, config, '--url', a.url, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    await waitForRun(a.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start on the worker', 20_000);

    a.child.kill('SIGSTOP');
    stopped.push(a);
    const [moved] = await w.waitForLog(MOVED, 20_000);
    expect(moved).toMatchObject({ level: 'warn', url: `${a.url.replace('http:', 'ws:')}/workers`, next: `${b.url.replace('http:', 'ws:')}/workers` });
    const registered = await w.waitForLog(REGISTERED, 20_000, 2);
    expect(registered[1].url).toBe(`${b.url.replace('http:', 'ws:')}/workers`);

    const done = await waitForRunEnd(b.url, runId, 40_000);
    expect(done.status).toBe('succeeded');
    expect(done.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:w' });
  }, 90_000);
});
