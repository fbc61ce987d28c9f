import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDispatcher, type DispatcherProcess } from '../cli/dispatcher-process.ts';
import { pollUntil, startWorker, type RunView, type WorkerProcess } from '../cli/worker-process.ts';
import { rssMiB } from './checks.ts';

/**
 * The live swarm the HTTP and frame fuzzers attack: ONE `swarm start-dispatcher` process (a
 * shared token, loopback, no threads of its own), ONE legitimate `swarm start-worker` process
 * named "legit", and a live run of delay tasks deployed before the fuzzing starts. At the end
 * the run must have succeeded with every task run once, on the legitimate worker, which must
 * never have been displaced, and the dispatcher must still answer /health.
 */

export const TOKEN = 'fuzz-token-0123456789abcdef';
export const LEGIT = 'legit';

export interface LiveSwarm {
  dir: string;
  dispatcher: DispatcherProcess;
  worker: WorkerProcess;
  url: string;
  port: number;
  liveRunId: string;
  liveTasks: number;
  /** GET with the token, parsed JSON (throws on a non-2xx). */
  get<T = any>(path: string): Promise<T>;
  post<T = any>(path: string, body: unknown): Promise<{ status: number; json: T }>;
  /** Problems with the swarm right now: /health, the dispatcher's memory. */
  vitals(maxRssMiB: number): Promise<string[]>;
  /** Problems at the end: the live run, the legitimate worker. Bounded waits. */
  verdict(): Promise<string[]>;
  stop(): Promise<void>;
}

/** The live run: `count` delay tasks of `ms`, some chained, so it lasts through the fuzzing. */
function liveManifest(count: number, ms: number): string {
  const lines = ['name: fuzz-live', 'symbols:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - name: t${i}`, '    type: action', `    parameters: { operation: delay, ms: ${ms} }`);
    if (i >= 2 && i % 3 === 0) lines.push(`    dependencies: [t${i - 2}]`);
  }
  return lines.join('\n') + '\n';
}

export async function startLiveSwarm(options: { tasks: number; taskMs: number; extraCoordinator?: string[] }): Promise<LiveSwarm> {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-fuzz-live-'));
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      '[logging]',
      'file = ""',
      'console = true',
      'level = "info"',
      'format = "json"',
      '[dispatcher]',
      'local_workers = 0',
      `state_db_path = "${join(dir, 'state.db')}"`,
      'shutdown_grace = 500',
      `auth_token = "${TOKEN}"`,
      '[coordinator]',
      'heartbeat_interval = 200',
      'heartbeat_timeout = 3000',
      'retry_backoff_base = 20',
      'retry_backoff_max = 100',
      ...(options.extraCoordinator ?? []),
      '[worker]',
      'heartbeat_interval = 200',
      'max_concurrent_tasks = 2',
      `auth_token = "${TOKEN}"`,
      '',
    ].join('\n'),
  );
  const dispatcher = await startDispatcher(config);
  const { url, port } = dispatcher;
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { headers });
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const post = async <T>(path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as T };
  };
  const worker = startWorker(config, url, LEGIT);
  await worker.waitForLog('registered with the dispatcher', 20_000);
  const deployed = await post<{ runId: string }>('/api/runs', { source: liveManifest(options.tasks, options.taskMs), format: 'yaml' });
  if (deployed.status !== 201) throw new Error(`deploying the live run: HTTP ${deployed.status} ${JSON.stringify(deployed.json)}`);
  const liveRunId = deployed.json.runId;

  return {
    dir,
    dispatcher,
    worker,
    url,
    port,
    liveRunId,
    liveTasks: options.tasks,
    get,
    post,
    async vitals(maxRssMiB) {
      const problems: string[] = [];
      if (dispatcher.child.exitCode !== null || dispatcher.child.signalCode !== null) {
        return [`the dispatcher exited (code ${dispatcher.child.exitCode}, signal ${dispatcher.child.signalCode}); its stderr ends:\n${dispatcher.stderr().slice(-2_000)}`];
      }
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
        const body = (await response.json()) as { status?: string };
        if (response.status !== 200 || body.status !== 'ok') problems.push(`/health answered ${response.status} ${JSON.stringify(body)}`);
      } catch (error) {
        problems.push(`/health did not answer: ${String(error)}`);
      }
      const rss = await rssMiB(dispatcher.child.pid);
      if (rss !== null && rss > maxRssMiB) problems.push(`the dispatcher's RSS is ${Math.round(rss)} MiB (bound ${maxRssMiB} MiB)`);
      return problems;
    },
    /**
     * A fuzz connection may register (or later claim) the `internal` capability and take a live
     * task before it drops: that attempt is lost and the task runs again, as at-least-once
     * allows. Only such attempts may come before the one on the legitimate worker.
     */
    async verdict() {
      const onlyLostToFuzzWorkers = async (name: string): Promise<boolean> => {
        const detail = await get<{ rows: { to: string; event: string; payload: any }[] }>(`/api/runs/${liveRunId}/tasks/${encodeURIComponent(name)}`);
        const assigned = detail.rows.filter((r) => r.event === 'task.assign').map((r) => r.payload?.node);
        const failures = detail.rows.filter((r) => r.to === 'failed').map((r) => r.payload?.error?.code);
        return assigned.slice(0, -1).every((node) => node !== `remote:${LEGIT}`) && failures.every((code) => code === 'NODE_LOST');
      };
      const problems: string[] = [];
      let run: RunView | undefined;
      try {
        run = await pollUntil(
          async () => {
            const r = await get<RunView>(`/api/runs/${liveRunId}`);
            return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
          },
          60_000,
          'the live run to end',
          100,
        );
      } catch (error) {
        problems.push(String(error));
      }
      if (run) {
        if (run.status !== 'succeeded') problems.push(`the live run ended ${run.status}`);
        if (run.tasks.length !== options.tasks) problems.push(`the live run has ${run.tasks.length} tasks, not ${options.tasks}`);
        const odd: typeof run.tasks = [];
        for (const t of run.tasks) {
          if (t.status === 'succeeded' && t.node === `remote:${LEGIT}` && (t.attempts === 1 || (await onlyLostToFuzzWorkers(t.name)))) continue;
          odd.push(t);
        }
        if (odd.length > 0) problems.push(`live tasks not run once on remote:${LEGIT}: ${JSON.stringify(odd.slice(0, 5).map((t) => ({ name: t.name, status: t.status, attempts: t.attempts, node: t.node, error: t.error })))}`);
      }
      const registered = worker.logged('registered with the dispatcher').length;
      if (registered !== 1) problems.push(`the legitimate worker registered ${registered} times (displaced or reconnected)`);
      for (const prefix of ['the connection to the dispatcher closed', 'the dispatcher refused a result', 'the dispatcher reported', 'ignored a frame from the dispatcher']) {
        const lines = worker.logged(prefix);
        if (lines.length > 0) problems.push(`the legitimate worker logged "${prefix}" ${lines.length} time(s): ${JSON.stringify(lines[0]).slice(0, 300)}`);
      }
      if (worker.child.exitCode !== null) problems.push(`the legitimate worker exited (${worker.child.exitCode})`);
      try {
        const status = await get<{ nodes: { list: { id: string }[] } }>('/api/status');
        if (!status.nodes.list.some((n) => n.id === `remote:${LEGIT}`)) problems.push(`remote:${LEGIT} is no longer listed by /api/status`);
      } catch (error) {
        problems.push(`/api/status: ${String(error)}`);
      }
      return problems;
    },
    async stop() {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await worker.child.exited;
      if (dispatcher.child.exitCode === null) dispatcher.child.kill('SIGKILL');
      await dispatcher.child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
