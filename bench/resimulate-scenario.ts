/**
 * Re-simulation of a big journal (actors/journal/simulation/): how long `swarm replay <run>
 * --simulate` takes to rebuild every actor of a 100k-task run from its journal and check the
 * stored projections. Prints one JSON line (a ResimulateResult) on stdout.
 *
 *   bun bench/resimulate-scenario.ts resimulate-journal [--threads 2] [--tasks-per-thread 4]
 *       [--tasks 100000] [--repeats 5] [--exact-pass 1] [--dir D]
 *   bun bench/resimulate-scenario.ts cold-pass --db FILE --run ID     (one pass, for the fresh-process figure)
 *
 * First it records the journal: a Dispatcher from `defaultConfig()` (logging at warn) runs
 * `--tasks` independent noops on a real SqliteStore file in --dir (or a fresh temp directory),
 * as bench/scenario.ts swarm-flat does, then stops and closes the store. A timed pass is
 * `readRecordedRun` (run, journal and task rows read from the file) + `reSimulate` (every actor
 * re-simulated, projections compared): the whole check, from reading the transitions out of the
 * store to the final comparison. First one pass in a fresh child process (`cold`: nothing
 * compiled yet, a small heap — what `swarm replay --simulate` pays after its start-up), then
 * `--repeats` passes here, each after a full GC (the recording run's garbage is not theirs to
 * collect); `seconds` is their median. `--exact-pass 1` adds one pass without trajectory sharing
 * (every task actor re-simulated on its own).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, fileBytes, intOption, runScenarioMain, noopSymbols, parseArgs, toMB, vmHwmBytes } from './lib.ts';
import type { ResimulatePass, ResimulateResult } from './results.ts';

const loadStart = loadavg()[0];

async function resimulate(options: Map<string, string | true>): Promise<ResimulateResult> {
  const threads = intOption(options, 'threads', 2);
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const tasks = intOption(options, 'tasks', 100_000);
  const repeats = intOption(options, 'repeats', 5);
  const exactPass = intOption(options, 'exact-pass', 1, 0) > 0;

  const { Logger } = await import('../src/logger.ts');
  Logger.configure({ level: 'warn' });
  const { defaultConfig } = await import('../src/config/index.ts');
  const { validateManifestData } = await import('../src/manifest/index.ts');
  const { SqliteStore } = await import('../src/store/index.ts');
  const { Dispatcher } = await import('../actors/dispatcher.ts');

  const given = options.get('dir');
  const dir = typeof given === 'string' ? given : mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  mkdirSync(dir, { recursive: true });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    });
  }
  const dbPath = join(dir, 'bench.db');
  try {
    // ---- record the journal (not timed as re-simulation) -------------------------------------
    const config = defaultConfig();
    config.dispatcher.local_workers = threads;
    config.dispatcher.tasks_per_thread = tasksPerThread;
    const recordStore = new SqliteStore(dbPath);
    const dispatcher = new Dispatcher({ config, store: recordStore });
    let runId: string;
    const r0 = performance.now();
    try {
      dispatcher.start();
      const manifest = validateManifestData({ name: 'resimulate', symbols: noopSymbols(tasks, false) });
      const result = await dispatcher.deploy({ manifest, source: `# ${tasks} noop tasks`, format: 'yaml' }).finished;
      if (result.status !== 'succeeded') throw new Error(`the recorded run ended ${result.status}`);
      runId = result.runId;
    } finally {
      await dispatcher.stop();
      recordStore.close();
    }
    const recordSeconds = (performance.now() - r0) / 1000;

    // ---- re-simulate it -----------------------------------------------------------------------
    const cold = await coldPass(dbPath, runId);
    const store = new SqliteStore(dbPath);
    try {
      const pass = await passRunner(store, runId, tasks);
      const rssBefore = process.memoryUsage().rss;
      const passes = Array.from({ length: repeats }, () => {
        Bun.gc(true);
        return pass(true);
      });
      const rssAfter = process.memoryUsage().rss;
      Bun.gc(true);
      const exact = exactPass ? pass(false) : null;
      const sorted = passes.map((p) => p.seconds).toSorted((a, b) => a - b);
      const median = passes.find((p) => p.seconds === sorted[sorted.length >> 1])!;
      const hwm = vmHwmBytes();
      return {
        scenario: 'resimulate-journal',
        threads,
        tasksPerThread,
        tasks,
        seconds: median.seconds,
        bunVersion: Bun.version,
        loadAvg: { start: loadStart, end: loadavg()[0] },
        journalRows: median.rows,
        recordSeconds,
        median,
        cold,
        passes,
        exact,
        dbBytes: fileBytes(dbPath) + fileBytes(`${dbPath}-wal`),
        memory: { rssBeforeMB: toMB(rssBefore), rssAfterMB: toMB(rssAfter), vmHwmMB: hwm === null ? null : toMB(hwm) },
      };
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A function timing one pass (read + re-simulate + compare) of the run in `store`. */
async function passRunner(store: import('../src/store/types.ts').SwarmStore, runId: string, tasks: number) {
  const { readRecordedRun } = await import('../actors/journal/simulation/recorded-run.ts');
  const { reSimulate } = await import('../actors/journal/simulation/re-simulate.ts');
  return (share: boolean): ResimulatePass => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const recorded = readRecordedRun(store, runId);
    const t1 = performance.now();
    const report = reSimulate(recorded, { share });
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (report.divergence) throw new Error(`the journal did not reproduce: ${report.divergence.message}`);
    if (report.compared?.tasks !== tasks || !report.compared.runCounts) {
      throw new Error(`not everything was compared: ${JSON.stringify(report.compared)}`);
    }
    return { seconds: (t2 - t0) / 1000, readMs: t1 - t0, simulateMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000, rows: report.rows, sharing: report.sharing };
  };
}

/** One pass in a fresh child process (this script's `cold-pass`). */
async function coldPass(dbPath: string, runId: string): Promise<ResimulatePass> {
  const child = Bun.spawn([process.execPath, new URL(import.meta.url).pathname, 'cold-pass', '--db', dbPath, '--run', runId], {
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`the cold pass failed (exit ${code}): ${err.trim() || out.trim()}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as ResimulatePass;
}

async function coldPassMain(options: Map<string, string | true>): Promise<ResimulatePass> {
  const db = options.get('db');
  const runId = options.get('run');
  if (typeof db !== 'string' || typeof runId !== 'string') throw new UsageError('cold-pass needs --db FILE --run ID');
  const { SqliteStore } = await import('../src/store/index.ts');
  const store = new SqliteStore(db);
  try {
    const tasks = store.getRun(runId)!.totalTasks;
    return (await passRunner(store, runId, tasks))(true);
  } finally {
    store.close();
  }
}


async function main(): Promise<unknown> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  const kind = positional[0];
  if (kind !== 'resimulate-journal' && kind !== 'cold-pass') {
    throw new UsageError('usage: bun bench/resimulate-scenario.ts resimulate-journal [options]');
  }
  const result = kind === 'cold-pass' ? await coldPassMain(options) : await resimulate(options);
  return result;
}

runScenarioMain(main);
