/**
 * A big fan-out the way a user runs it: a manifest file of `--tasks` independent no-ops written
 * as YAML, then `swarm run FILE --quiet` in a fresh process (through bin/swarm, the command users
 * run, which picks the allocator's setting for the file's size: the bench's own setting is taken
 * out of its environment), on a real SQLite file. Measures that
 * process's peak RSS (its rusage maxRSS: reading, validating and recording the manifest, and the
 * run) and the run's own createdAt..finishedAt. Prints one JSON line (a CliRunResult) on stdout.
 *
 *   bun bench/cli-run-scenario.ts cli-run [--threads 2] [--tasks-per-thread 4] [--tasks 1000000] [--dir D]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError, intOption, parseArgs, runScenarioMain, toMB } from './lib.ts';
import type { CliRunResult } from './results.ts';

const ROOT = resolve(import.meta.dir, '..');
const loadStart = loadavg()[0];

/** The manifest as YAML text, in the style a generator would write it. */
function fanOutYaml(tasks: number): string {
  const lines = [`name: fan-out-${tasks}`, 'symbols:'];
  for (let i = 0; i < tasks; i++) lines.push(`  - name: t${i}`, '    type: action', '    parameters:', '      operation: noop');
  return `${lines.join('\n')}\n`;
}

async function cliRun(options: Map<string, string | true>): Promise<CliRunResult> {
  const threads = intOption(options, 'threads', 2);
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const tasks = intOption(options, 'tasks', 1_000_000);
  const given = options.get('dir');
  const dir = typeof given === 'string' ? given : mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  mkdirSync(dir, { recursive: true });
  try {
    const manifest = join(dir, 'fan-out.yaml');
    writeFileSync(manifest, fanOutYaml(tasks));
    const config = join(dir, 'config.toml');
    writeFileSync(config, `[logging]\nfile = ""\n\n[dispatcher]\nlocal_workers = ${threads}\ntasks_per_thread = ${tasksPerThread}\n`);
    const db = join(dir, 'state.db');
    const { MIMALLOC_PURGE_DELAY: _chosenByTheLauncher, ...env } = process.env;
    // The launcher runs the package's own Bun, else the one on the PATH: then this one.
    env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
    const child = Bun.spawn(['bin/swarm', 'run', manifest, config, '--db', db, '--quiet'], {
      cwd: ROOT,
      env,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
    });
    const stderr = new Response(child.stderr).text();
    const exitCode = await child.exited;
    const maxRss = child.resourceUsage()?.maxRSS ?? null;
    const { SqliteStore } = await import('../src/store/index.ts');
    const store = new SqliteStore(db);
    try {
      const [listing] = store.listRuns({ limit: 1 });
      if (listing === undefined) throw new Error(`swarm run exited ${exitCode} with no run recorded:\n${await stderr}`);
      const seconds = ((listing.finishedAt ?? listing.createdAt) - listing.createdAt) / 1000;
      return {
        scenario: 'cli-run',
        threads,
        seconds,
        bunVersion: Bun.version,
        loadAvg: { start: loadStart, end: loadavg()[0] },
        tasks,
        exitCode,
        status: listing.status,
        completedTasks: listing.completedTasks,
        failedTasks: listing.failedTasks,
        tasksPerSecond: seconds > 0 ? tasks / seconds : 0,
        memory: { maxRssMB: maxRss === null ? null : toMB(maxRss) },
      };
    } finally {
      store.close();
    }
  } finally {
    if (typeof given !== 'string') rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<unknown> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (positional[0] !== 'cli-run') throw new UsageError('usage: bun bench/cli-run-scenario.ts cli-run [options]');
  return cliRun(options);
}

runScenarioMain(main);
