import { writeFileSync } from 'node:fs';
import { within } from './dispatcher-process.ts';
import { ROOT, sandbox } from './helpers.ts';

/**
 * `swarm start-worker` as child processes, and the polling the worker tests share. Every test
 * file that starts workers calls `afterEach(killWorkers)` (before `killDispatchers`), so a
 * failing test never leaves a worker behind; every wait here is bounded.
 */

export interface RemoteOnlyOptions {
  /** `[coordinator] heartbeat_timeout` (ms): how soon a silent worker is lost. */
  heartbeatTimeout?: number;
  /** `[dispatcher] shutdown_grace` (ms). */
  shutdownGrace?: number;
  /** Extra lines for the `[dispatcher]` section (e.g. `auth_token = "…"`). */
  dispatcher?: string[];
  /** Lines of a `[security]` section. */
  security?: string[];
  /** Lines of the `[worker]` section after the defaults (e.g. `auth_token = "…"`). */
  worker?: string[];
}

/**
 * A config where the dispatcher coordinates only (no threads of its own) and nodes are noticed
 * quickly. Logs go to stderr as JSON lines (`[logging] format = "json"`, level info), so tests
 * can read what a process said, and at which level.
 */
export function remoteOnlyConfig(options: RemoteOnlyOptions = {}): { dir: string; config: string; db: string } {
  const box = sandbox();
  writeFileSync(
    box.config,
    [
      '[logging]',
      'file = ""',
      'console = true',
      'level = "info"',
      'format = "json"',
      '[dispatcher]',
      'local_workers = 0',
      `state_db_path = "${box.db}"`,
      `shutdown_grace = ${options.shutdownGrace ?? 500}`,
      ...(options.dispatcher ?? []),
      '[coordinator]',
      'heartbeat_interval = 200',
      `heartbeat_timeout = ${options.heartbeatTimeout ?? 2000}`,
      'retry_backoff_base = 20',
      'retry_backoff_max = 100',
      '[worker]',
      'heartbeat_interval = 200',
      'max_concurrent_tasks = 2',
      ...(options.worker ?? []),
      ...(options.security ? ['[security]', ...options.security] : []),
      '',
    ].join('\n'),
  );
  return box;
}

/** One JSON log line of a process (pino: `level` as a label, `msg`, `component`, fields). */
export interface LogLine {
  level: string;
  msg: string;
  component?: string;
  [field: string]: unknown;
}

export interface WorkerProcess {
  name: string;
  child: ReturnType<typeof Bun.spawn<'ignore', 'pipe', 'pipe'>>;
  /** Everything written on stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines on stderr so far (other stderr lines, such as notes, are skipped). */
  logs(): LogLine[];
  /** Log lines so far whose `msg` starts with `prefix`. */
  logged(prefix: string): LogLine[];
  /** Resolves once `count` log lines start with `prefix` (bounded by `ms`). */
  waitForLog(prefix: string, ms: number, count?: number): Promise<LogLine[]>;
  /** Sends `signal` and waits (bounded) for the exit code. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number>;
}

const workers = new Set<WorkerProcess>();

/** Kills (SIGKILL; SIGCONT first, for a stopped one) every worker child still running. */
export async function killWorkers(): Promise<void> {
  for (const worker of [...workers]) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGCONT');
      worker.child.kill('SIGKILL');
    }
    await worker.child.exited;
    workers.delete(worker);
  }
}

/**
 * `swarm start-worker CONFIG NAME --url ws://…` (the dispatcher's http URL is given). `env` is
 * added to the child's environment, SWARM_AUTH_TOKEN included (the tests' own environment
 * never leaks one in). stdout and stderr are read all along, so
 * a chatty worker never blocks on a full pipe.
 */
export function startWorker(config: string, url: string, name: string, env: Record<string, string> = {}): WorkerProcess {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.SWARM_CONFIG;
  delete base.SWARM_AUTH_TOKEN;
  const child = Bun.spawn([process.execPath, 'src/cli/bin.ts', 'start-worker', config, name, '--url', url.replace(/^http/, 'ws')], {
    cwd: ROOT,
    env: { ...base, SWARM_CONFIG: config, ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  const drain = async (stream: ReadableStream<Uint8Array>, append: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
  };
  void drain(child.stdout, (t) => (stdout += t));
  void drain(child.stderr, (t) => (stderr += t));
  const logs = (): LogLine[] =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return []; // a line still being written
        }
      });
  const logged = (prefix: string) => logs().filter((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
  const worker: WorkerProcess = {
    name,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    logged,
    waitForLog: (prefix, ms, count = 1) =>
      pollUntil(
        async () => {
          const lines = logged(prefix);
          return lines.length >= count ? lines : undefined;
        },
        ms,
        // Built when the wait gives up, so it shows everything the worker said until then.
        () => `worker ${name} to log "${prefix}" ${count} time(s); its stderr:\n${stderr}`,
        25,
      ),
    stop(signal = 'SIGTERM', ms = 15_000) {
      child.kill(signal);
      return within(child.exited, ms, `worker ${name} exit after ${signal}`);
    },
  };
  workers.add(worker);
  return worker;
}

/**
 * Calls `probe` every `everyMs` until it returns something other than undefined, for at most
 * `ms` (then rejects naming `what`). A probe that throws (e.g. a dispatcher not answering yet)
 * counts as "not yet". The loop itself stops at the deadline, so nothing polls after a test.
 */
export function pollUntil<T>(probe: () => Promise<T | undefined>, ms: number, what: string | (() => string), everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  const describe = () => (typeof what === 'string' ? what : what());
  return within(
    (async () => {
      let lastError: unknown;
      while (Date.now() < deadline) {
        try {
          const value = await probe();
          if (value !== undefined) return value;
        } catch (err) {
          lastError = err;
        }
        await Bun.sleep(everyMs);
      }
      throw new Error(`${describe()}: no result within ${ms} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    })(),
    ms + 1_000,
    typeof what === 'string' ? what : 'a bounded wait',
  );
}

/** GET `url + path` as JSON, with the bearer token when given. */
export async function getJson<T = any>(url: string, path: string, token?: string): Promise<T> {
  const response = await fetch(`${url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export interface StatusNodes {
  active: number;
  list: { id: string; kind: string; capacity: number; freeSlots: number }[];
}

/** The ids of the nodes the dispatcher lists now (its /api/status). */
export async function nodeIds(url: string, token?: string): Promise<string[]> {
  const status = await getJson<{ nodes: StatusNodes }>(url, '/api/status', token);
  return status.nodes.list.map((n) => n.id).sort();
}

/** Polls the dispatcher's status until `n` nodes are registered (bounded). */
export async function waitForNodes(url: string, n: number, token?: string, ms = 20_000): Promise<void> {
  await pollUntil(async () => ((await nodeIds(url, token)).length >= n ? true : undefined), ms, `${n} workers to register`);
}

/** Polls until the dispatcher lists exactly the nodes `ids` (bounded). */
export async function waitForNodeIds(url: string, ids: string[], token?: string, ms = 20_000): Promise<void> {
  const want = [...ids].sort().join(',');
  await pollUntil(async () => ((await nodeIds(url, token)).join(',') === want ? true : undefined), ms, `the nodes to be [${want}]`);
}

export interface RunTask {
  name: string;
  status: string;
  node: string | null;
  attempts: number;
  output: unknown;
  error: unknown;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RunView {
  runId: string;
  status: string;
  tasks: RunTask[];
  [field: string]: unknown;
}

/** Polls the run until `match` holds for it, returning it (bounded). */
export function waitForRun(url: string, runId: string, match: (run: RunView) => boolean, what: string, ms = 30_000, token?: string): Promise<RunView> {
  return pollUntil(
    async () => {
      const run = await getJson<RunView>(url, `/api/runs/${runId}`, token);
      return match(run) ? run : undefined;
    },
    ms,
    what,
    30,
  );
}

/** Polls the run until it is no longer running (bounded). */
export function waitForRunEnd(url: string, runId: string, ms = 30_000, token?: string): Promise<RunView> {
  return waitForRun(url, runId, (run) => ['succeeded', 'failed', 'cancelled'].includes(run.status), 'the run to end', ms, token);
}
