/**
 * Remote-worker scenarios: a long-lived dispatcher server (startDispatcherServer, no local
 * threads, SQLite journal on, port 0 on 127.0.0.1) in this process, and its workers in other
 * processes (bench/remote-peers.ts) over loopback WebSocket. Prints exactly one JSON line (a
 * RemoteResult) on stdout, or a message on stderr and exit code 1; run.ts starts it in a
 * fresh child process like the other scenarios.
 *
 *   bun bench/remote-scenario.ts remote-flat       [--tasks 10000] [--warmup 3000] [--tasks-per-thread 4] [--dir D]
 *     (`bun run bench` passes --warmup 20000, --quick leaves 3,000)
 *   bun bench/remote-scenario.ts remote-heartbeats [--tasks 10000] [--warmup 3000] [--tasks-per-thread 4]
 *                                                  [--clients 50] [--heartbeat 1000] [--idle-window 5] [--dir D]
 *
 * remote-flat: one worker process (capacity 2 × tasks-per-thread: 2 threads), warm-up run,
 * then N independent noops; tasks/s = N ÷ (deploy → result).
 * remote-heartbeats: the same, and then again with `--clients` light clients (one more
 * process) connected and heartbeating; before each, an idle window measures the dispatcher's
 * CPU, so the clients' heartbeat handling cost is (CPU with − CPU without) ÷ heartbeats.
 *
 * Every child is killed at the end, on SIGTERM/SIGINT, and (they watch their stdin) when this
 * process dies; every wait is bounded.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fileBytes,
  runScenarioMain,
  MemorySampler,
  UsageError,
  intOption,
  noopSymbols,
  parseArgs,
  procCpuUs,
  procMemory,
  toMB,
} from './lib.ts';
import { Peer, countClients, setScratchDir } from './remote-children.ts';
import { REMOTE_SCENARIO_KINDS, type IdleWindow, type RemoteResult, type RemoteRunStats, type RemoteScenarioKind } from './results.ts';

const rssStart = process.memoryUsage().rss;
const loadStart = loadavg()[0];
const WORKER_NAME = 'bench-w1';
/** How long a worker process may take to start and register (a loaded machine is slow). */
const REGISTER_TIMEOUT_MS = 30_000;

// ---- measurement helpers -------------------------------------------------------------------

/**
 * Store commits and the main thread's wall time spent in them: every journal group commit goes
 * through SqliteStore.prototype.commit (written on the main thread) or commitInBackground
 * (handed to the store's writer thread: what is counted is the hand-over).
 */
const commits = { count: 0, us: 0 };

function cpuNow(workerPid: number | null) {
  const { user, system } = process.cpuUsage();
  return {
    at: performance.now(),
    cpuUs: user + system,
    mainUs: procCpuUs('self', process.pid),
    workerUs: workerPid === null ? null : procCpuUs(workerPid),
    commits: commits.count,
    commitUs: commits.us,
  };
}

type CpuMark = ReturnType<typeof cpuNow>;
const coresBetween = (a: number | null, b: number | null, ms: number) => (a === null || b === null ? null : (b - a) / 1000 / ms);

function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}


// ---- the scenario --------------------------------------------------------------------------

async function remote(kind: RemoteScenarioKind, options: Map<string, string | true>): Promise<RemoteResult> {
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const tasks = intOption(options, 'tasks', 10_000);
  // More than the swarm scenarios' 1,000: two processes' JITs to warm (a 1,000-task warm-up
  // left the first timed 10k run ~15% slower than the next one). The full bench passes 20,000:
  // the dispatcher's JIT threads compile for the process's first ~2.5 s, using ~0.4 of a core
  // during a 10k run after 3,000 warm-up tasks and ~0.25 after 20,000 (per-thread CPU from
  // /proc/<pid>/task), which this 2-core machine's three busy threads feel.
  const warmupTasks = intOption(options, 'warmup', 3_000, 0);
  const clientCount = kind === 'remote-heartbeats' ? intOption(options, 'clients', 50) : 0;
  const heartbeatMs = intOption(options, 'heartbeat', 1_000);
  const idleWindowMs = intOption(options, 'idle-window', 5) * 1000;
  // RemoteWorker runs min(capacity, 2) threads of ceil(capacity / threads) slots each.
  const threads = 2;
  const capacity = threads * tasksPerThread;

  const { Logger } = await import('../src/logger.ts');
  Logger.configure({ level: 'warn' });
  const { defaultConfig } = await import('../src/config/index.ts');
  const { validateManifestData } = await import('../src/manifest/index.ts');
  const { SqliteStore } = await import('../src/store/index.ts');
  const { startDispatcherServer } = await import('../src/server/dispatcher-server.ts');

  const { commit, commitInBackground } = SqliteStore.prototype;
  const timed = <T>(write: () => T): T => {
    commits.count++;
    const t0 = performance.now();
    try {
      return write();
    } finally {
      commits.us += (performance.now() - t0) * 1000;
    }
  };
  SqliteStore.prototype.commit = function (this: InstanceType<typeof SqliteStore>, batch) {
    return timed(() => commit.call(this, batch));
  };
  SqliteStore.prototype.commitInBackground = function (this: InstanceType<typeof SqliteStore>, batch, done) {
    timed(() => commitInBackground.call(this, batch, done));
  };

  const given = options.get('dir');
  const dir = typeof given === 'string' ? given : mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  mkdirSync(dir, { recursive: true });
  setScratchDir(dir);
  const dbPath = join(dir, 'bench.db');

  const config = defaultConfig();
  config.dispatcher.bind = '127.0.0.1';
  config.dispatcher.local_workers = 0;
  config.dispatcher.enable_websocket = true;
  config.dispatcher.state_db_path = dbPath;
  config.coordinator.heartbeat_interval = heartbeatMs;
  config.coordinator.heartbeat_timeout = Math.max(5_000, heartbeatMs * 5);
  config.coordinator.max_workers = Math.max(config.coordinator.max_workers, clientCount + 2);
  config.worker.heartbeat_interval = heartbeatMs;
  config.logging.file = '';

  // env {}: a SWARM_AUTH_TOKEN in the environment must not turn auth on for the benchmark.
  const server = startDispatcherServer(config, { port: 0, env: {} });
  const url = `ws://127.0.0.1:${server.port}/workers`;
  let worker: Peer | null = null;
  let clients: Peer | null = null;
  const remoteIds = () => server.dispatcher.nodeLoads().filter((n) => n.kind === 'remote').map((n) => n.id);

  try {
    worker = new Peer('worker', ['worker', '--url', url, '--name', WORKER_NAME, '--capacity', String(capacity), '--heartbeat', String(heartbeatMs)]);
    const registerDeadline = performance.now() + REGISTER_TIMEOUT_MS;
    while (!remoteIds().includes(`remote:${WORKER_NAME}`)) {
      if (worker.exited) throw new Error(`the worker never registered: ${worker.describe()}`);
      if (performance.now() > registerDeadline) throw new Error(`the worker did not register within ${REGISTER_TIMEOUT_MS / 1000} s: ${worker.describe()}`);
      await Bun.sleep(20);
    }
    const workerPid = worker.proc.pid;

    const load = (count: number, name: string, prefix: string) => ({
      manifest: validateManifestData({ name, symbols: noopSymbols(count, false, prefix) }),
      source: `# generated by bench/remote-scenario.ts: ${count} noop tasks`,
      format: 'yaml' as const,
    });
    /** Generous: far below this rate something is broken, and run.ts has its own limit anyway. */
    const runLimitMs = (n: number) => 60_000 + n; // 1 ms per task

    const timedRun = async (n: number, name: string, prefix: string): Promise<RemoteRunStats> => {
      const loaded = load(n, name, prefix);
      Bun.gc(true);
      const rowsBefore = server.store.counts().transitions;
      const rssBefore = process.memoryUsage().rss;
      const sampler = new MemorySampler(50);
      sampler.start();
      const c0 = cpuNow(workerPid);
      const t0 = performance.now();
      const handle = server.deploy(loaded, name);
      const deployCallMs = performance.now() - t0;
      const result = await withTimeout(handle.finished, runLimitMs(n), () => `the run ${name} (${JSON.stringify(handle.progress())})`);
      const c1 = cpuNow(workerPid);
      const ms = c1.at - t0;
      sampler.stop();
      const journalRows = server.store.counts().transitions - rowsBefore;
      return {
        tasks: n,
        status: result.status,
        completedTasks: result.completedTasks,
        failedTasks: result.failedTasks,
        seconds: ms / 1000,
        tasksPerSecond: (n / ms) * 1000,
        usPerTask: (ms * 1000) / n,
        deployCallMs,
        journalRows,
        journalRowsPerTask: journalRows / n,
        cores: {
          dispatcher: coresBetween(c0.cpuUs, c1.cpuUs, ms)!,
          dispatcherMainThread: coresBetween(c0.mainUs, c1.mainUs, ms),
          worker: coresBetween(c0.workerUs, c1.workerUs, ms),
        },
        commits: c1.commits - c0.commits,
        commitMs: (c1.commitUs - c0.commitUs) / 1000,
        rssBeforeMB: toMB(rssBefore),
        rssPeakSampledMB: toMB(sampler.peakRss),
      };
    };

    /** CPU of the idle dispatcher over the window; heartbeats counted by the clients process. */
    const idleWindow = async (): Promise<IdleWindow> => {
      const sentBefore = clients ? (await countClients(clients)).sent : 0;
      const c0: CpuMark = cpuNow(null);
      await Bun.sleep(idleWindowMs);
      const c1: CpuMark = cpuNow(null);
      const sentAfter = clients ? (await countClients(clients)).sent : 0;
      return {
        seconds: (c1.at - c0.at) / 1000,
        heartbeats: sentAfter - sentBefore,
        cpuUs: c1.cpuUs - c0.cpuUs,
        mainThreadCpuUs: c0.mainUs === null || c1.mainUs === null ? null : c1.mainUs - c0.mainUs,
        commits: c1.commits - c0.commits,
        commitUs: c1.commitUs - c0.commitUs,
      };
    };

    if (warmupTasks > 0) {
      const warm = await withTimeout(server.deploy(load(warmupTasks, `${kind}-warmup`, 'w'), `${kind}-warmup`).finished, runLimitMs(warmupTasks), () => 'the warm-up run');
      if (warm.status !== 'succeeded') throw new Error(`the warm-up run ended ${warm.status}`);
    }

    let runWithoutClients: RemoteRunStats | null = null;
    let runWithoutClientsAfter: RemoteRunStats | null = null;
    let heartbeats: RemoteResult['heartbeats'] = null;
    let run: RemoteRunStats;
    if (kind === 'remote-flat') {
      run = await timedRun(tasks, kind, 't');
    } else {
      const idleWithout = await idleWindow();
      runWithoutClients = await timedRun(tasks, `${kind}-without`, 'a');
      clients = new Peer('light clients', ['clients', '--url', url, '--count', String(clientCount), '--heartbeat', String(heartbeatMs)]);
      const ready = await clients.nextJson<{ ready: boolean; welcomed: number }>(REGISTER_TIMEOUT_MS);
      if (!ready.ready || remoteIds().length !== clientCount + 1) {
        throw new Error(`expected ${clientCount + 1} remote nodes, the dispatcher has ${remoteIds().length}: ${clients.describe()}`);
      }
      await Bun.sleep(heartbeatMs); // every client past its first (random-phase) beat
      const idleWith = await idleWindow();
      run = await timedRun(tasks, `${kind}-with`, 'b');
      const totals = await countClients(clients);
      if (totals.assigned > 0) throw new Error(`the light clients were assigned ${totals.assigned} attempts (they must get none)`);
      if (totals.closed > 0 || remoteIds().length !== clientCount + 1) {
        throw new Error(`${totals.closed} light clients were disconnected during the scenario (${remoteIds().length - 1} left)`);
      }
      // A → B → A: the clients leave and the run without them is timed again, so a drift
      // (JIT still warming, a busier machine) does not pass for the clients' cost.
      await clients.stop(2_000);
      clients = null;
      const leaveDeadline = performance.now() + 10_000;
      while (remoteIds().length > 1) {
        if (performance.now() > leaveDeadline) throw new Error(`${remoteIds().length - 1} light clients still registered 10 s after their process ended`);
        await Bun.sleep(20);
      }
      runWithoutClientsAfter = await timedRun(tasks, `${kind}-without-again`, 'c');
      const perSecond = (w: IdleWindow, v: number) => v / w.seconds;
      const extraCores = (perSecond(idleWith, idleWith.cpuUs) - perSecond(idleWithout, idleWithout.cpuUs)) / 1e6;
      const heartbeatsPerSecond = perSecond(idleWith, idleWith.heartbeats);
      const mainExtra =
        idleWith.mainThreadCpuUs === null || idleWithout.mainThreadCpuUs === null
          ? null
          : (perSecond(idleWith, idleWith.mainThreadCpuUs) - perSecond(idleWithout, idleWithout.mainThreadCpuUs)) / 1e6;
      heartbeats = {
        clients: clientCount,
        intervalMs: heartbeatMs,
        idleWithout,
        idleWith,
        heartbeatsPerSecond,
        extraCores,
        usPerHeartbeat: heartbeatsPerSecond > 0 ? (extraCores * 1e6) / heartbeatsPerSecond : 0,
        mainThreadUsPerHeartbeat: mainExtra === null || heartbeatsPerSecond === 0 ? null : (mainExtra * 1e6) / heartbeatsPerSecond,
        extraCommitsPerSecond: perSecond(idleWith, idleWith.commits) - perSecond(idleWithout, idleWithout.commits),
        commitUsPerHeartbeat:
          heartbeatsPerSecond > 0
            ? (perSecond(idleWith, idleWith.commitUs) - perSecond(idleWithout, idleWithout.commitUs)) / heartbeatsPerSecond
            : 0,
        sent: totals.sent,
        assigned: totals.assigned,
        closed: totals.closed,
      };
    }

    const workerMemory = procMemory(workerPid);
    const hwm = procMemory('self').hwm;
    return {
      scenario: kind,
      threads,
      capacity,
      tasksPerThread,
      seconds: run.seconds,
      bunVersion: Bun.version,
      loadAvg: { start: loadStart, end: loadavg()[0] },
      tasks,
      warmupTasks,
      status: run.status,
      tasksPerSecond: run.tasksPerSecond,
      run,
      runWithoutClients,
      runWithoutClientsAfter,
      heartbeats,
      journalRowsTotal: server.store.counts().transitions,
      dbBytes: fileBytes(dbPath) + fileBytes(`${dbPath}-wal`),
      memory: { rssStartMB: toMB(rssStart), rssAfterMB: toMB(process.memoryUsage().rss), vmHwmMB: hwm === null ? null : toMB(hwm) },
      worker: {
        pid: workerPid,
        rssMB: workerMemory.rss === null ? null : toMB(workerMemory.rss),
        vmHwmMB: workerMemory.hwm === null ? null : toMB(workerMemory.hwm),
      },
    };
  } finally {
    // The peers first (the worker drains and leaves), then the server: no reconnect attempts.
    await clients?.stop(2_000);
    await worker?.stop(5_000);
    await withTimeout(server.stop(), 15_000, () => 'stopping the dispatcher server').catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    });
    SqliteStore.prototype.commit = commit;
    SqliteStore.prototype.commitInBackground = commitInBackground;
    rmSync(dir, { recursive: true, force: true });
    setScratchDir(null);
  }
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<unknown> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  const kind = positional[0] as RemoteScenarioKind | undefined;
  if (!kind || !REMOTE_SCENARIO_KINDS.includes(kind)) {
    throw new UsageError(`usage: bun bench/remote-scenario.ts <${REMOTE_SCENARIO_KINDS.join('|')}> [options]`);
  }
  const result = await remote(kind, options);
  return result;
}

runScenarioMain(main);
