/**
 * Resume after SIGKILL: how long a fresh process takes to get a big interrupted run going again.
 * Prints exactly one JSON line (a ResumeResult) on stdout, or a message on stderr and exit
 * code 1; run.ts starts it in a fresh child process like the other scenarios.
 *
 *   bun bench/resume-scenario.ts resume-after-kill [--tasks 10000] [--delay-ms 1] [--kill-at 0.3]
 *                                                  [--threads 2] [--tasks-per-thread 4] [--dir D]
 *
 * 1. A **host** child process (this file, mode `host`) runs a Dispatcher (SQLite journal on, in
 *    --dir) and deploys N independent tasks (`delay` of --delay-ms each; 0 = `noop`).
 * 2. Once --kill-at × N of them have succeeded (polled in the database every 10 ms), the host is
 *    SIGKILLed: the run stays `running`, with tasks in flight, a hot WAL and a dead owner.
 * 3. The database files are copied twice, untouched, and each copy is resumed by a fresh
 *    process:
 *    - **in-process** (mode `resume`): `new Dispatcher` (opens the store: WAL recovery), `start()`,
 *      `resumeOrphanedRuns()` (falling back to `resume(runId)` if that finds nothing), then the
 *      run to its end. It times each step with performance.now().
 *    - **CLI**: `swarm run --resume <run>` as a child process, timed from its spawn (Bun start-up,
 *      imports, config included) to its exit.
 * 4. "First dispatched task" is read from the journal afterwards, not from any hook: the
 *    earliest task transition to `assigned` (handed to a node) and to `running` (started on a
 *    thread) written after the kill, against the process's wall clock (Date.now(), 1 ms
 *    resolution: the journal's `at`).
 *
 * Every child is killed on SIGTERM/SIGINT of this process, and the host exits when its stdin
 * closes, so a killed benchmark leaves no process behind; every wait is bounded.
 */
import { Database } from 'bun:sqlite';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import { runScenarioMain, UsageError, intOption, parseArgs } from './lib.ts';
import { RESUME_SCENARIO_KINDS, type ResumeCliStats, type ResumeInProcessStats, type ResumeResult } from './results.ts';
import { readFileJournal } from '../src/store/bulk-journal-reader.ts';

/** Taken first thing: the in-process resumer's "process start" (imports come after). */
const processStartWall = Date.now();
const processStart = performance.now();
const loadStart = loadavg()[0];
const SELF = new URL(import.meta.url).pathname;
const CLI = resolve(SELF, '../../src/cli/bin.ts');
/** Longest any one step may take (a loaded 2-core machine is slow). */
const STEP_TIMEOUT_MS = 300_000;

type Child = Subprocess<'pipe' | 'ignore', 'pipe', 'pipe'>;
const children = new Set<Child>();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  });
}

function spawn(args: string[], options: { env?: Record<string, string>; stdin?: 'pipe' | 'ignore' } = {}): Child {
  const child = Bun.spawn([process.execPath, ...args], {
    stdin: options.stdin ?? 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, ...options.env },
  }) as Child;
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** The whole text of a stream, in the background. */
function collect(stream: ReadableStream<Uint8Array>): { text(): string; done: Promise<string> } {
  let text = '';
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    return text;
  })();
  return { text: () => text, done };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function symbols(tasks: number, delayMs: number): Record<string, unknown>[] {
  const parameters = delayMs > 0 ? { operation: 'delay', ms: delayMs } : { operation: 'noop' };
  return Array.from({ length: tasks }, (_, i) => ({ name: `t${i}`, type: 'action', parameters }));
}

async function runtimeConfig(threads: number, tasksPerThread: number, db: string) {
  const { Logger } = await import('../src/logger.ts');
  Logger.configure({ level: 'warn' });
  const { defaultConfig } = await import('../src/config/index.ts');
  const config = defaultConfig();
  config.dispatcher.local_workers = threads;
  config.dispatcher.tasks_per_thread = tasksPerThread;
  config.dispatcher.state_db_path = db;
  return config;
}

// ---- mode `host`: the process that gets killed ---------------------------------------------

async function host(options: Map<string, string | true>): Promise<void> {
  const db = options.get('db') as string;
  const tasks = intOption(options, 'tasks', 10_000);
  const delayMs = intOption(options, 'delay-ms', 1, 0);
  const config = await runtimeConfig(intOption(options, 'threads', 2), intOption(options, 'tasks-per-thread', 4), db);
  const { validateManifestData } = await import('../src/manifest/index.ts');
  const { Dispatcher } = await import('../actors/dispatcher.ts');
  // Killed by the scenario; if the scenario dies first, our stdin closes.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  const dispatcher = new Dispatcher({ config });
  dispatcher.start();
  const manifest = validateManifestData({ name: 'resume-bench', symbols: symbols(tasks, delayMs) });
  const handle = dispatcher.deploy({ manifest, source: `# generated by bench/resume-scenario.ts: ${tasks} tasks`, format: 'yaml' });
  process.stdout.write(`${JSON.stringify({ runId: handle.runId, pid: process.pid })}\n`);
  const result = await handle.finished;
  // Only if the scenario did not kill us in time: it reports this as a failure.
  process.stdout.write(`${JSON.stringify({ finished: result.status })}\n`);
  await dispatcher.stop();
  process.exit(0);
}

// ---- mode `resume`: the fresh process that takes the run up --------------------------------

async function resumeHere(options: Map<string, string | true>): Promise<void> {
  const db = options.get('db') as string;
  const runId = options.get('run') as string;
  const config = await runtimeConfig(intOption(options, 'threads', 2), intOption(options, 'tasks-per-thread', 4), db);
  const { Dispatcher } = await import('../actors/dispatcher.ts');
  const imported = performance.now();

  const constructWall = Date.now();
  const t0 = performance.now();
  const dispatcher = new Dispatcher({ config }); // opens the store: WAL recovery, schema check
  const constructed = performance.now();
  dispatcher.start(); // the thread pool
  const started = performance.now();
  let handles = dispatcher.resumeOrphanedRuns();
  const orphansFound = handles.length;
  let via: ResumeInProcessStats['via'] = 'resumeOrphanedRuns';
  if (orphansFound === 0) {
    // resumeOrphanedRuns found nothing (as before 7913461, when it asked the store for
    // `limit: 0` = no rows): take the run up by id, which is what it does for each orphan.
    handles = [dispatcher.resume(runId)];
    via = 'resume(runId)';
  }
  const resumed = performance.now();
  const result = await handles[0].finished;
  const finished = performance.now();
  await dispatcher.stop();

  const out: Omit<ResumeInProcessStats, 'firstAssignedMs' | 'firstRunningMs' | 'firstAssignedFromProcessStartMs'> & {
    constructWall: number;
    processStartWall: number;
  } = {
    via,
    orphansFound,
    importMs: imported - processStart,
    openStoreMs: constructed - t0,
    startMs: started - constructed,
    resumeCallMs: resumed - started,
    finishMs: finished - t0,
    status: result.status,
    completedTasks: result.completedTasks,
    constructWall,
    processStartWall,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ---- mode `resume-after-kill`: the scenario ------------------------------------------------

/** Earliest task transitions to `assigned` / `running` after `afterSeq` (journal `at`, ms). */
function firstDispatch(db: string, runId: string, afterSeq: number): { assigned: number | null; running: number | null } {
  let assigned: number | null = null;
  let running: number | null = null;
  for (const t of readFileJournal(db, runId, afterSeq)) {
    if (t.actorKind !== 'task') continue;
    if (t.to === 'assigned' && (assigned === null || t.at < assigned)) assigned = t.at;
    if (t.to === 'running' && (running === null || t.at < running)) running = t.at;
  }
  return { assigned, running };
}

function copyDatabase(from: string, toDir: string): string {
  mkdirSync(toDir, { recursive: true });
  const to = join(toDir, 'state.db');
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  return to;
}

async function scenario(options: Map<string, string | true>): Promise<ResumeResult> {
  const tasks = intOption(options, 'tasks', 10_000);
  const delayMs = intOption(options, 'delay-ms', 1, 0);
  const threads = intOption(options, 'threads', 2);
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const killAtText = options.get('kill-at');
  const killAt = killAtText === undefined ? 0.3 : Number(killAtText);
  if (!(killAt > 0 && killAt < 1)) throw new UsageError('--kill-at is a fraction of the tasks, above 0 and below 1 (default 0.3)');
  const given = options.get('dir');
  const dir = typeof given === 'string' ? given : mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  mkdirSync(dir, { recursive: true });
  const common = ['--threads', String(threads), '--tasks-per-thread', String(tasksPerThread)];
  try {
    // 1–2: the host runs the run until enough has succeeded, then is killed.
    const db = join(dir, 'killed', 'state.db');
    mkdirSync(join(dir, 'killed'), { recursive: true });
    const hostStart = performance.now();
    const hostProc = spawn([SELF, 'host', '--db', db, '--tasks', String(tasks), '--delay-ms', String(delayMs), ...common], { stdin: 'pipe' });
    const hostOut = collect(hostProc.stdout);
    const hostErr = collect(hostProc.stderr);
    const { runId } = await within(
      (async () => {
        for (;;) {
          const line = hostOut.text().split('\n').find((l) => l.startsWith('{"runId"'));
          if (line) return JSON.parse(line) as { runId: string };
          if (hostProc.exitCode !== null) throw new Error(`the host exited (${hostProc.exitCode}):\n${hostErr.text()}`);
          await Bun.sleep(10);
        }
      })(),
      STEP_TIMEOUT_MS,
      'the host to deploy the run',
    );
    const watch = new Database(db);
    const settledTarget = Math.ceil(tasks * killAt);
    const byStatus = () =>
      Object.fromEntries(
        watch
          .query<{ status: string; n: number }, [string]>('SELECT status, COUNT(*) AS n FROM tasks WHERE run_id = ? GROUP BY status')
          .all(runId)
          .map((r) => [r.status, r.n]),
      ) as Record<string, number>;
    await within(
      (async () => {
        for (;;) {
          if ((byStatus().succeeded ?? 0) >= settledTarget) return;
          if (hostProc.exitCode !== null) throw new Error(`the host exited (${hostProc.exitCode}) before the kill:\n${hostErr.text()}`);
          await Bun.sleep(10);
        }
      })(),
      STEP_TIMEOUT_MS,
      `${settledTarget} tasks to succeed on the host`,
    );
    hostProc.kill('SIGKILL');
    await hostProc.exited;
    const hostSeconds = (performance.now() - hostStart) / 1000;
    if (hostOut.text().includes('"finished"')) throw new Error('the run finished before the kill; use a larger --delay-ms or a smaller --kill-at');
    const atKill = byStatus();
    const runStatus = watch.query<{ status: string }, [string]>('SELECT status FROM runs WHERE id = ?').get(runId)?.status;
    const afterSeq = watch.query<{ seq: number }, []>('SELECT MAX(seq) AS seq FROM transitions').get()?.seq ?? 0;
    // Copies of the files exactly as the kill left them (this connection is still open, so
    // nothing has checkpointed the WAL yet).
    const inProcessDb = copyDatabase(db, join(dir, 'in-process'));
    const cliDb = copyDatabase(db, join(dir, 'cli'));
    watch.close();
    if (runStatus !== 'running') throw new Error(`the run is ${runStatus} after the kill, not running`);

    // 3a: a fresh process resumes it with the API.
    const resumer = spawn([SELF, 'resume', '--db', inProcessDb, '--run', runId, ...common]);
    const resumerOut = collect(resumer.stdout);
    const resumerErr = collect(resumer.stderr);
    const code = await within(resumer.exited, STEP_TIMEOUT_MS, 'the in-process resume');
    const line = (await resumerOut.done).trim().split('\n').findLast((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`the resuming process failed (${code}):\n${await resumerErr.done}`);
    const here = JSON.parse(line) as ResumeInProcessStats & { constructWall: number; processStartWall: number };
    const firstHere = firstDispatch(inProcessDb, runId, afterSeq);
    const inProcess: ResumeInProcessStats = {
      via: here.via,
      orphansFound: here.orphansFound,
      importMs: here.importMs,
      openStoreMs: here.openStoreMs,
      startMs: here.startMs,
      resumeCallMs: here.resumeCallMs,
      firstAssignedMs: firstHere.assigned === null ? null : firstHere.assigned - here.constructWall,
      firstRunningMs: firstHere.running === null ? null : firstHere.running - here.constructWall,
      firstAssignedFromProcessStartMs: firstHere.assigned === null ? null : firstHere.assigned - here.processStartWall,
      finishMs: here.finishMs,
      status: here.status,
      completedTasks: here.completedTasks,
    };

    // 3b: `swarm run --resume` as a child process.
    const configFile = join(dir, 'cli', 'config.toml');
    writeFileSync(
      configFile,
      ['[logging]', 'level = "warn"', 'file = ""', '[dispatcher]', `local_workers = ${threads}`, `tasks_per_thread = ${tasksPerThread}`, ''].join('\n'),
    );
    const spawnWall = Date.now();
    const spawnAt = performance.now();
    const cliProc = spawn([CLI, 'run', '--resume', runId, '--db', cliDb, '--json'], { env: { SWARM_CONFIG: configFile } });
    const cliOut = collect(cliProc.stdout);
    const cliErr = collect(cliProc.stderr);
    const cliCode = await within(cliProc.exited, STEP_TIMEOUT_MS, 'swarm run --resume');
    const exitMs = performance.now() - spawnAt;
    let cliStatus: string | null = null;
    try {
      cliStatus = (JSON.parse(await cliOut.done) as { status?: string }).status ?? null;
    } catch {
      // reported through the exit code and status null
    }
    if (cliCode !== 0) process.stderr.write(`swarm run --resume exited ${cliCode}:\n${(await cliErr.done).slice(-2000)}\n`);
    const firstCli = firstDispatch(cliDb, runId, afterSeq);
    const cli: ResumeCliStats = {
      command: 'swarm run --resume',
      firstAssignedMs: firstCli.assigned === null ? null : firstCli.assigned - spawnWall,
      firstRunningMs: firstCli.running === null ? null : firstCli.running - spawnWall,
      exitMs,
      code: cliCode,
      status: cliStatus,
    };

    const settled = ['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'skipped', 'cancelled'].reduce((n, s) => n + (atKill[s] ?? 0), 0);
    return {
      scenario: 'resume-after-kill',
      threads,
      tasksPerThread,
      seconds: inProcess.finishMs / 1000,
      bunVersion: Bun.version,
      loadAvg: { start: loadStart, end: loadavg()[0] },
      tasks,
      delayMs,
      killedAt: {
        fraction: killAt,
        byStatus: atKill,
        settled,
        inFlight: tasks - settled - (atKill.pending ?? 0),
        hostSeconds,
      },
      inProcess,
      cli,
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<unknown> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  const mode = positional[0];
  // The child modes print (or not) for themselves: no result line.
  if (mode === 'host') return void (await host(options));
  if (mode === 'resume') return void (await resumeHere(options));
  if (!mode || !(RESUME_SCENARIO_KINDS as readonly string[]).includes(mode)) {
    throw new UsageError(`usage: bun bench/resume-scenario.ts <${RESUME_SCENARIO_KINDS.join('|')}> [options]`);
  }
  const result = await scenario(options);
  return result;
}

runScenarioMain(main);
