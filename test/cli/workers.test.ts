import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, spawnCli, swarmJson, writeManifest } from './helpers.ts';

// A dispatcher with no threads of its own and worker processes: every wait is bounded.
setDefaultTimeout(60_000);
const workers: ReturnType<typeof spawnCli>[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.exitCode === null) w.kill('SIGKILL');
    await w.exited;
  }
  await killDispatchers();
  removeTempDirs();
});

/** A config where the dispatcher coordinates only and nodes are noticed quickly. */
function remoteOnlyConfig(): { dir: string; config: string; db: string } {
  const box = sandbox();
  writeFileSync(
    box.config,
    [
      '[logging]',
      'file = ""',
      '[dispatcher]',
      'local_workers = 0',
      `state_db_path = "${box.db}"`,
      'shutdown_grace = 500',
      '[coordinator]',
      'heartbeat_interval = 200',
      'heartbeat_timeout = 2000',
      'retry_backoff_base = 20',
      'retry_backoff_max = 100',
      '[worker]',
      'heartbeat_interval = 200',
      'max_concurrent_tasks = 2',
      '',
    ].join('\n'),
  );
  return box;
}

async function startWorker(config: string, url: string, name: string) {
  const child = spawnCli(['start-worker', config, name, '--url', url.replace('http', 'ws')], undefined);
  workers.push(child);
  return child;
}

/** Polls the dispatcher's status until `n` nodes are registered (bounded). */
async function waitForNodes(url: string, n: number): Promise<void> {
  await within(
    (async () => {
      for (;;) {
        const status = (await (await fetch(`${url}/api/status`)).json()) as { nodes: { active: number } };
        if (status.nodes.active >= n) return;
        await Bun.sleep(50);
      }
    })(),
    20_000,
    `${n} workers to register`,
  );
}

describe('remote workers (separate processes)', () => {
  test('two workers run a deployed workflow; every task ran on one of them', async () => {
    const { config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    await startWorker(config, d.url, 'w1');
    await startWorker(config, d.url, 'w2');
    await waitForNodes(d.url, 2);
    const { code, json } = await swarmJson(['deploy', 'examples/hello.yaml', config, '--url', d.url]);
    expect(code).toBe(0);
    expect(json.status).toBe('succeeded');
    for (const task of json.tasks) expect(['remote:w1', 'remote:w2']).toContain(task.node);
  });

  test('kill -9 of a worker mid-task: its attempt fails as NODE_LOST and is finished by the other worker', async () => {
    const { dir, config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    const first = await startWorker(config, d.url, 'first');
    await waitForNodes(d.url, 1);
    // The second worker joins once the first holds the task (so the task lands on the first).
    const manifest = writeManifest(
      dir,
      'long.yaml',
      'name: long\nsymbols:\n  - name: long\n    type: action\n    retries: 2\n    parameters: {operation: delay, ms: 1500}\n',
    );
    const deployed = await swarmJson(['deploy', manifest, config, '--url', d.url, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    // Wait until the task runs on the first worker, then kill that worker outright.
    await within(
      (async () => {
        for (;;) {
          const run = (await (await fetch(`${d.url}/api/runs/${runId}`)).json()) as { tasks: { status: string }[] };
          if (run.tasks[0].status === 'running') return;
          await Bun.sleep(30);
        }
      })(),
      20_000,
      'the task to start on the first worker',
    );
    await startWorker(config, d.url, 'second');
    await waitForNodes(d.url, 2);
    first.kill('SIGKILL');
    const result = await within(
      (async () => {
        for (;;) {
          const run = (await (await fetch(`${d.url}/api/runs/${runId}`)).json()) as {
            status: string;
            tasks: { status: string; node: string; attempts: number }[];
          };
          if (run.status !== 'running') return run;
          await Bun.sleep(50);
        }
      })(),
      30_000,
      'the run to end',
    );
    expect(result.status).toBe('succeeded');
    expect(result.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:second', attempts: 2 });
  });
});
