import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, swarmJson, writeManifest } from './helpers.ts';
import { killWorkers, remoteOnlyConfig, startWorker, waitForNodes, waitForRun, waitForRunEnd } from './worker-process.ts';

// A dispatcher with no threads of its own and worker processes: every wait is bounded.
setDefaultTimeout(60_000);
afterEach(async () => {
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

describe('remote workers (separate processes)', () => {
  test('two workers run a deployed workflow; every task ran on one of them', async () => {
    const { config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    startWorker(config, d.url, 'w1');
    startWorker(config, d.url, 'w2');
    await waitForNodes(d.url, 2);
    const { code, json } = await swarmJson(['deploy', 'examples/hello.yaml', config, '--url', d.url]);
    expect(code).toBe(0);
    expect(json.status).toBe('succeeded');
    for (const task of json.tasks) expect(['remote:w1', 'remote:w2']).toContain(task.node);
  });

  test('kill -9 of a worker mid-task: its attempt fails as NODE_LOST and is finished by the other worker', async () => {
    const { dir, config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    const first = startWorker(config, d.url, 'first');
    await waitForNodes(d.url, 1);
    // The second worker joins once the first holds the task (so the task lands on the first).
    // Attempt 1 never ends by itself (the module waits for an abort that never comes), so the
    // kill always finds it running, however slow the machine; the long timeout keeps it so.
    writeManifest(
      dir,
      'hold-first-attempt.ts',
      [
        'export default function ({ attempt, signal }: { attempt: number; signal: AbortSignal }) {',
        '  if (attempt > 1) return { finishedOnAttempt: attempt };',
        '  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));',
        '}',
        '',
      ].join('\n'),
    );
    const manifest = writeManifest(
      dir,
      'long.yaml',
      'name: long\nsymbols:\n  - name: long\n    type: action\n    retries: 2\n    timeout: 600000\n' +
        '    parameters: {operation: module, module: ./hold-first-attempt.ts}\n',
    );
    const deployed = await swarmJson(['deploy', manifest, config, '--url', d.url, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    // Wait until the task runs on the first worker, then kill that worker outright.
    await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start on the first worker', 20_000);
    startWorker(config, d.url, 'second');
    await waitForNodes(d.url, 2);
    first.child.kill('SIGKILL');
    const result = await waitForRunEnd(d.url, runId, 30_000);
    expect(result.status).toBe('succeeded');
    expect(result.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:second', attempts: 2 });
  });
});
