/**
 * One benchmark scenario in this process; prints exactly one JSON line (a ScenarioResult) on
 * stdout, or a message on stderr and exit code 1. run.ts starts each scenario in a fresh child
 * process so memory and JIT state never carry over.
 *
 *   bun bench/scenario.ts raw-calls   [--threads 2] [--calls 200000] [--in-flight 512]
 *   bun bench/scenario.ts raw-batched [--threads 2] [--tasks-per-thread 4] [--calls 20000] [--batch 16] [--in-flight 64]
 *   bun bench/scenario.ts swarm-flat  [--threads 2] [--tasks-per-thread 4] [--tasks 100000] [--warmup 1000] [--dir D] [--store sqlite|memory|URL]
 *   bun bench/scenario.ts swarm-chain [--threads 2] [--tasks-per-thread 4] [--tasks 1000] [--warmup 200] [--dir D] [--store sqlite|memory|URL]
 *
 * Swarm scenarios put their SQLite file in --dir (created if needed, removed at the end) or a
 * fresh temp directory; `--store memory` swaps in MemoryStore, for diagnosis only;
 * `--store postgres://…` runs on that PostgreSQL database (scripts/postgres-up.sh prints one):
 * the cost of a shared database per task and per chain step, against SQLite's.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { Piscina } from 'piscina';
import { ServedThread } from '../actors/executor/served-thread.ts';
import { attemptKey } from '../src/execution.ts';
import {
  fileBytes,
  runScenarioMain,
  MemorySampler,
  UsageError,
  intOption,
  noopSymbols,
  parseArgs,
  toMB,
  vmHwmBytes,
} from './lib.ts';
import { SCENARIO_KINDS, type RawResult, type ScenarioKind, type SwarmResult } from './results.ts';

const rssStart = process.memoryUsage().rss;
const loadStart = loadavg()[0];
const loadAvgSoFar = () => ({ start: loadStart, end: loadavg()[0] });

const RAW_WORKER = new URL('./raw-worker.ts', import.meta.url).href;
const THREAD_ENTRY = new URL('../actors/executor/thread-entry.ts', import.meta.url).href;

// ---- raw piscina ---------------------------------------------------------------------------

/**
 * Makes `total` calls with at most `inFlight` outstanding, each new call started as soon as
 * one resolves. Returns the elapsed milliseconds.
 */
async function pump(total: number, inFlight: number, call: () => Promise<unknown>): Promise<number> {
  let started = 0;
  let finished = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (finished === total) return resolve();
      if (started === total) return;
      started++;
      call().then(() => {
        finished++;
        next();
      }, reject);
    };
    for (let i = 0; i < Math.min(inFlight, total); i++) next();
  });
  return performance.now() - t0;
}

type AtomicsMode = 'sync' | 'async' | 'disabled';
interface PoolSetting {
  concurrentTasksPerWorker: number;
  atomics: AtomicsMode;
}

const ATOMICS_MODES: readonly AtomicsMode[] = ['sync', 'async', 'disabled'];

/**
 * Opens a pool with `setting`, warms it up, then times `calls` calls of `makeCall(pool)` with
 * `inFlight` outstanding; returns the elapsed ms of each of `repeats` timed passes.
 */
async function timePool(
  filename: string,
  threads: number,
  setting: PoolSetting,
  calls: number,
  inFlight: number,
  repeats: number,
  makeCall: (pool: Piscina) => () => Promise<unknown>,
): Promise<number[]> {
  const pool = new Piscina({ filename, minThreads: threads, maxThreads: threads, idleTimeout: Infinity, ...setting });
  pool.on('error', () => {}); // a thread dying outside a call shows up as a rejected call anyway
  try {
    const call = makeCall(pool);
    await pump(Math.max(1, Math.min(5_000, Math.floor(calls / 4))), inFlight, call); // warm-up: threads up, JIT warm
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push(await pump(calls, inFlight, call));
    return times;
  } finally {
    await pool.destroy();
  }
}

/** RSS at start, now (pools destroyed) and the process's high-water mark. */
function rawMemory(): RawResult['memory'] {
  const hwm = vmHwmBytes();
  return { rssStartMB: toMB(rssStart), rssEndMB: toMB(process.memoryUsage().rss), vmHwmMB: hwm === null ? null : toMB(hwm) };
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function atomicsOption(options: Map<string, string | true>): AtomicsMode | undefined {
  const raw = options.get('atomics');
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && (ATOMICS_MODES as string[]).includes(raw)) return raw as AtomicsMode;
  throw new UsageError(`--atomics is one of ${ATOMICS_MODES.join(', ')}`);
}

/**
 * Raw piscina, one request per call: the trivial echo worker with the swarm's pool size.
 * Piscina's best case depends on its options (concurrentTasksPerWorker, atomics) by 3-4x on
 * this machine, so unless both are given this first sweeps them with a short pass each, then
 * times the fastest setting `repeats` times and reports the median: the ceiling.
 */
async function rawCalls(options: Map<string, string | true>): Promise<RawResult> {
  const threads = intOption(options, 'threads', 2);
  const calls = intOption(options, 'calls', 100_000);
  const inFlight = intOption(options, 'in-flight', 512);
  const repeats = intOption(options, 'repeats', 3);
  const sweepCalls = intOption(options, 'sweep-calls', Math.max(1_000, Math.floor(calls / 4)));
  const fixedConcurrent = options.has('concurrent-per-worker') ? intOption(options, 'concurrent-per-worker', 1) : undefined;
  const fixedAtomics = atomicsOption(options);
  const concurrentChoices = fixedConcurrent !== undefined ? [fixedConcurrent] : inFlight === 1 ? [1] : [1, 16, 64, 256];
  const atomicsChoices = fixedAtomics !== undefined ? [fixedAtomics] : ATOMICS_MODES;
  const grid: PoolSetting[] = concurrentChoices.flatMap((c) => atomicsChoices.map((a) => ({ concurrentTasksPerWorker: c, atomics: a })));

  const payload = { n: 1 };
  const makeCall = (pool: Piscina) => () => pool.run(payload);
  const sweep: NonNullable<RawResult['sweep']> = [];
  let best = grid[0];
  if (grid.length > 1) {
    let bestRate = 0;
    for (const setting of grid) {
      const [ms] = await timePool(RAW_WORKER, threads, setting, sweepCalls, inFlight, 1, makeCall);
      const rate = (sweepCalls / ms) * 1000;
      sweep.push({ ...setting, requestsPerSecond: rate });
      if (rate > bestRate) [best, bestRate] = [setting, rate];
    }
  }
  const times = await timePool(RAW_WORKER, threads, best, calls, inFlight, repeats, makeCall);
  const rates = times.map((ms) => (calls / ms) * 1000);
  const ms = median(times);
  return {
    scenario: 'raw-calls',
    threads,
    seconds: times.reduce((a, b) => a + b, 0) / 1000,
    bunVersion: Bun.version,
    loadAvg: loadAvgSoFar(),
    calls,
    batchSize: 1,
    inFlight,
    requestsPerSecond: median(rates),
    bestRequestsPerSecond: Math.max(...rates),
    repeatRequestsPerSecond: rates,
    callsPerSecond: median(rates),
    usPerRoundTrip: inFlight === 1 ? (ms * 1000) / calls : null,
    piscinaOptions: { minThreads: threads, maxThreads: threads, idleTimeout: 'Infinity', ...best },
    ...(sweep.length > 0 ? { sweep } : {}),
    memory: rawMemory(),
  };
}

/**
 * The swarm's own executor path without the swarm: our real thread entry (`serve`, one long
 * call per thread, through `ServedThread`) with the pool options LocalThreadNode uses, fed
 * `--batch` no-op ExecutionRequests per message with at most `--in-flight` requests
 * outstanding (each thread running `--tasks-per-thread` at once). Timed `repeats` times; median.
 */
async function rawBatched(options: Map<string, string | true>): Promise<RawResult> {
  const threads = intOption(options, 'threads', 2);
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const calls = intOption(options, 'calls', 10_000);
  const batchSize = intOption(options, 'batch', 16);
  const inFlight = intOption(options, 'in-flight', 64);
  const repeats = intOption(options, 'repeats', 3);
  const channelName = `swarm-bench-${process.pid}`;
  // The thread entry opens this channel for host calls; noop makes none, but keep our end open as the node does.
  const channel = new BroadcastChannel(channelName);
  const pool = new Piscina({ filename: THREAD_ENTRY, minThreads: threads, maxThreads: threads, idleTimeout: Infinity, atomics: 'disabled' });
  pool.on('error', () => {});
  let seq = 0;
  let closing = false;
  let failure: unknown = null;
  let onDone: ((n: number) => void) | null = null;
  const served = Array.from(
    { length: threads },
    () =>
      new ServedThread(
        pool,
        channelName,
        tasksPerThread,
        Math.max(inFlight, batchSize),
        (thread, report) => {
          for (const o of report.outcomes) thread.release(o.key);
          onDone?.(report.outcomes.length);
        },
        (_thread, err) => {
          if (!closing) failure = err;
        },
      ),
  );
  const request = () => {
    const name = `t${seq++}`;
    return {
      runId: 'bench',
      task: name,
      attempt: 1,
      kind: 'run' as const,
      symbol: { name, type: 'action' as const, context: 'generic' as const, dispatch: 'internal' as const, parameters: { operation: 'noop' }, timeout: 30_000 },
      dependencies: {},
      baseDir: null,
    };
  };
  /** Sends `total` requests in messages of `batchSize`, keeping at most `inFlight` outstanding. */
  const pass = (total: number) =>
    new Promise<number>((resolve) => {
      let sent = 0;
      let done = 0;
      const t0 = performance.now();
      const top = () => {
        while (sent < total && sent - done + batchSize <= Math.max(inFlight, batchSize)) {
          const thread = served.reduce((a, b) => (b.held.size < a.held.size ? b : a));
          const requests = Array.from({ length: Math.min(batchSize, total - sent) }, request);
          thread.run(requests, requests.map((r) => attemptKey(r)));
          sent += requests.length;
        }
      };
      onDone = (n) => {
        if (failure) throw failure;
        done += n;
        if (done === total) resolve(performance.now() - t0);
        else top();
      };
      top();
    });
  try {
    await pass(Math.max(batchSize, Math.min(20_000, Math.floor((calls * batchSize) / 4)))); // warm-up
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push(await pass(calls * batchSize));
    const rates = times.map((ms) => ((calls * batchSize) / ms) * 1000);
    const ms = median(times);
    return {
      scenario: 'raw-batched',
      threads,
      seconds: times.reduce((a, b) => a + b, 0) / 1000,
      bunVersion: Bun.version,
      loadAvg: loadAvgSoFar(),
      calls,
      batchSize,
      inFlight,
      requestsPerSecond: median(rates),
      bestRequestsPerSecond: Math.max(...rates),
      repeatRequestsPerSecond: rates,
      callsPerSecond: (calls / ms) * 1000,
      usPerRoundTrip: inFlight === 1 ? (ms * 1000) / calls : null,
      piscinaOptions: { minThreads: threads, maxThreads: threads, idleTimeout: 'Infinity', concurrentTasksPerWorker: 1, atomics: 'disabled' },
      memory: rawMemory(),
    };
  } finally {
    closing = true;
    for (const thread of served) thread.close();
    await Promise.all(served.map((t) => t.ended));
    await pool.destroy();
    channel.close();
  }
}

// ---- the swarm -----------------------------------------------------------------------------

async function swarm(kind: 'swarm-flat' | 'swarm-chain', options: Map<string, string | true>): Promise<SwarmResult> {
  const chained = kind === 'swarm-chain';
  const threads = intOption(options, 'threads', 2);
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const tasks = intOption(options, 'tasks', chained ? 1_000 : 100_000);
  const warmupTasks = intOption(options, 'warmup', chained ? 200 : 1_000, 0);
  const storeOption = options.get('store') ?? 'sqlite';
  const postgresUrl = typeof storeOption === 'string' && /^postgres(ql)?:\/\//.test(storeOption) ? storeOption : null;
  const storeKind = postgresUrl ? 'postgres' : storeOption;
  if (storeKind !== 'sqlite' && storeKind !== 'memory' && storeKind !== 'postgres') {
    throw new UsageError(`--store is sqlite (the default: a real file, journal on), memory (diagnostics only) or a postgres:// URL`);
  }

  // Imported here so the raw scenarios never load the runtime.
  const { Logger } = await import('../src/logger.ts');
  Logger.configure({ level: 'warn' });
  const { defaultConfig } = await import('../src/config/index.ts');
  const { validateManifestData } = await import('../src/manifest/index.ts');
  const { SqliteStore, MemoryStore, openStore } = await import('../src/store/index.ts');
  const { Dispatcher } = await import('../actors/dispatcher.ts');

  const config = defaultConfig();
  config.dispatcher.local_workers = threads;
  config.dispatcher.tasks_per_thread = tasksPerThread;

  // run.ts passes --dir (a directory it removes itself, even after killing us); standalone,
  // a temp directory of our own.
  const given = options.get('dir');
  const dir = typeof given === 'string' ? given : mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  mkdirSync(dir, { recursive: true });
  removeOnSignal(dir);
  const dbPath = join(dir, 'bench.db');
  const store = postgresUrl ? openStore(postgresUrl) : storeKind === 'sqlite' ? new SqliteStore(dbPath) : new MemoryStore();
  const dispatcher = new Dispatcher({ config, store });
  try {
    dispatcher.start();
    const load = (count: number, name: string, prefix: string) => {
      const manifest = validateManifestData({ name, symbols: noopSymbols(count, chained, prefix) });
      return { manifest, source: `# generated by bench/scenario.ts: ${count} noop tasks`, format: 'yaml' as const };
    };

    if (warmupTasks > 0) {
      const warm = await dispatcher.deploy(load(warmupTasks, `${kind}-warmup`, 'w')).finished;
      if (warm.status !== 'succeeded') throw new Error(`the warm-up run ended ${warm.status}`);
    }

    const loaded = load(tasks, kind, 't');
    Bun.gc(true);
    const rowsBefore = store.counts().transitions;
    const tableRowsBefore = storeKind === 'sqlite' ? tableRowsOf(dbPath) : null;
    const before = process.memoryUsage();

    let handle: ReturnType<typeof dispatcher.deploy> | null = null;
    let peakLive = 0;
    let peakLiveByState: Record<string, number> = {};
    let midRun: SwarmResult['memory']['midRun'] = null;
    // The half-way probe's forced collection is the bench's, not the swarm's: its pause is
    // left out of the run's time and of the main thread's CPU.
    let probePauseMs = 0;
    const sampler = new MemorySampler(50, () => {
      if (!handle) return;
      const { live, settled, total } = handle.progress();
      let sum = 0;
      for (const n of Object.values(live)) sum += n;
      if (sum > peakLive) {
        peakLive = sum;
        peakLiveByState = live;
      }
      // Once, half-way: a full GC, then what is really retained while the run is in flight
      // (heapUsed alone counts garbage not yet collected; the final RunResult, which lists
      // every task, is not built yet). Flat runs only: the memory rows read it, and in a
      // 1,000-step chain its pause (tens of ms) would add tens of µs to every step measured.
      if (!chained && midRun === null && settled >= total / 2 && settled < total) {
        const g0 = performance.now();
        Bun.gc(true);
        const gcMs = performance.now() - g0;
        probePauseMs = gcMs;
        const m = process.memoryUsage();
        midRun = { settled, rssMB: toMB(m.rss), heapAfterGcMB: toMB(m.heapUsed), heapTotalMB: toMB(m.heapTotal), externalMB: toMB(m.external), gcMs };
      }
    });

    sampler.start();
    const cpu0 = process.threadCpuUsage();
    const t0 = performance.now();
    handle = dispatcher.deploy(loaded);
    const deployCallMs = performance.now() - t0;
    sampler.sample(); // right after the synchronous part (createRun, first activations)
    const result = await handle.finished;
    const ms = performance.now() - t0 - probePauseMs;
    const cpu = process.threadCpuUsage(cpu0);
    sampler.stop();
    const after = process.memoryUsage();

    const journalRowsTotal = store.counts().transitions;
    const journalRows = journalRowsTotal - rowsBefore;
    const tableRows = tableRowsBefore === null ? null : tableRowsOf(dbPath) - tableRowsBefore;
    const hwm = vmHwmBytes();
    return {
      scenario: kind,
      threads,
      tasksPerThread,
      seconds: ms / 1000,
      bunVersion: Bun.version,
      loadAvg: loadAvgSoFar(),
      tasks,
      store: storeKind,
      status: result.status,
      completedTasks: result.completedTasks,
      failedTasks: result.failedTasks,
      tasksPerSecond: (tasks / ms) * 1000,
      usPerTask: (ms * 1000) / tasks,
      // The main thread's own CPU (user + system), steadier than the wall clock on a shared
      // machine: the wall clock also counts waiting for the worker threads and for cores.
      mainThreadCpuUsPerTask: (cpu.user + cpu.system - probePauseMs * 1000) / tasks,
      deployCallMs,
      warmupTasks,
      journalRows,
      journalRowsPerTask: journalRows / tasks,
      tableRowsPerTask: tableRows === null ? null : tableRows / tasks,
      journalRowsTotal,
      dbBytes: fileBytes(dbPath) + fileBytes(`${dbPath}-wal`),
      memory: {
        rssStartMB: toMB(rssStart),
        rssBeforeMB: toMB(before.rss),
        rssPeakSampledMB: toMB(sampler.peakRss),
        rssAfterMB: toMB(after.rss),
        vmHwmMB: hwm === null ? null : toMB(hwm),
        heapBeforeMB: toMB(before.heapUsed),
        heapPeakSampledMB: toMB(sampler.peakHeap),
        midRun,
        samples: sampler.samples,
      },
      peakLiveActors: peakLive,
      peakLiveByState,
    };
  } finally {
    await dispatcher.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** On SIGTERM/SIGINT (run.ts's time limit, Ctrl-C), delete the database directory before exiting. */
function removeOnSignal(dir: string): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    });
  }
}


// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<unknown> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  const kind = positional[0] as ScenarioKind | undefined;
  if (!kind || !SCENARIO_KINDS.includes(kind)) {
    throw new UsageError(`usage: bun bench/scenario.ts <${SCENARIO_KINDS.join('|')}> [options]`);
  }
  const result =
    kind === 'raw-calls'
      ? await rawCalls(options)
      : kind === 'raw-batched'
        ? await rawBatched(options)
        : await swarm(kind, options);
  return result;
}

runScenarioMain(main);

/**
 * Rows in a SQLite file's journal table: fewer than transitions, since an actor's transitions
 * in a row of one commit share one (src/store/merged-transitions.ts).
 */
function tableRowsOf(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.query<{ n: number }, []>('SELECT count(*) AS n FROM transitions').get()!.n;
  } finally {
    db.close();
  }
}
