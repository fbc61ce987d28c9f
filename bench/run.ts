/**
 * `bun run bench`: raw piscina (the ceiling) against the swarm, each scenario in a fresh child
 * process (bench/scenario.ts), one table on stdout and every number in bench/results/latest.json.
 * See bench/README.md for what each number means.
 *
 * This file is the command line and the orchestration: the options, running each planned
 * scenario (bench/plan.ts) in its child process (bench/run-child.ts) or skipping it when what it
 * needs is not installed (the peer), the table (bench/rows.ts, bench/render.ts) and the results
 * file.
 *
 *   bun run bench [--quick] [--threads N] [--tasks-per-thread N] [--timeout SECONDS]
 *                 [--wait-quiet SECONDS] [--rounds N] [--only ID[,ID...]] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform, totalmem } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { UsageError, intOption, parseArgs } from './lib.ts';
import { SCENARIO, plan } from './plan.ts';
import { notes, renderTable } from './render.ts';
import { buildRows } from './rows.ts';
import { peerRatiosOf } from './rows-peer.ts';
import { medianRound } from './rounds.ts';
import { BUSY_CORES, runScenario, skippedOutcome, waitForQuiet, type Outcome } from './run-child.ts';
import { TARGET } from './targets.ts';

const HERE = dirname(new URL(import.meta.url).pathname);
const DEFAULT_OUT = resolve(HERE, 'results', 'latest.json');
const KNOWN_OPTIONS = new Set(['quick', 'threads', 'tasks-per-thread', 'timeout', 'wait-quiet', 'rounds', 'only', 'out', 'help']);

const USAGE = `usage: bun run bench [options]   (or: bun bench/run.ts [options])
  --quick                 smoke run: 1k and 10k flat runs, fewer raw calls (about a minute)
  --threads N             worker threads, for raw piscina and the swarm alike (default 2)
  --tasks-per-thread N    the swarm's [dispatcher] tasks_per_thread (default 4)
  --timeout SECONDS       limit per scenario run (per round); the child is killed after it (default 600)
  --wait-quiet SECONDS    before each scenario, wait up to this long for other processes to
                          leave the CPUs idle (default 60; 0 = start at once)
  --rounds N              run the swarm's flat, chain and remote scenarios and the peer's this
                          many times each and show the median round (default 3; 1 with --quick)
  --only ID,ID            run only these scenarios: raw-calls, raw-round-trip, raw-batched-16,
                          raw-batched-slots, swarm-flat-10k, swarm-flat-50k, swarm-flat-100k, swarm-fan-out-1m,
                          swarm-fan-out-1m-cli, swarm-chain-1k,
                          remote-flat-10k, remote-heartbeats-50, resume-10k, resimulate-100k,
                          bullmq-flat-100k, bullmq-flat-100k-aof, bullmq-chain-200
                          (with --quick: swarm-flat-1k, swarm-flat-10k, remote-flat-1k, resume-1k,
                          resimulate-10k, bullmq-flat-10k, bullmq-flat-10k-aof); the bullmq rows
                          (the peer) are skipped until scripts/peer-bench.sh has installed it
  --out FILE              where to write the JSON (default bench/results/latest.json)`;

function gitCommit(): string | null {
  try {
    const out = Bun.spawnSync(['git', 'rev-parse', 'HEAD'], { cwd: HERE, stdout: 'pipe', stderr: 'ignore' });
    return out.exitCode === 0 ? out.stdout.toString().trim() : null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (options.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = [...options.keys()].filter((k) => !KNOWN_OPTIONS.has(k));
  if (positional.length > 0 || unknown.length > 0) {
    throw new UsageError(`unexpected ${[...positional, ...unknown.map((k) => `--${k}`)].join(', ')}\n${USAGE}`);
  }
  const quick = options.get('quick') === true;
  const threads = intOption(options, 'threads', 2);
  const tasksPerThread = intOption(options, 'tasks-per-thread', 4);
  const timeoutMs = intOption(options, 'timeout', 600) * 1000;
  const waitQuietMs = intOption(options, 'wait-quiet', 60, 0) * 1000;
  const rounds = intOption(options, 'rounds', quick ? 1 : 3);
  const outPath = resolve(typeof options.get('out') === 'string' ? (options.get('out') as string) : DEFAULT_OUT);
  let plans = plan(quick, threads, tasksPerThread);
  const only = options.get('only');
  if (only !== undefined) {
    const wanted = typeof only === 'string' ? only.split(',').map((s) => s.trim()) : [];
    const missing = wanted.filter((w) => !plans.some((p) => p.id === w));
    if (wanted.length === 0 || missing.length > 0) {
      throw new UsageError(`--only takes scenario ids among: ${plans.map((p) => p.id).join(', ')}`);
    }
    plans = plans.filter((p) => wanted.includes(p.id));
  }

  const startedAt = new Date();
  console.log(
    `WP Praxis Swarm benchmark${quick ? ' (--quick)' : ''}: ${threads} threads, ${tasksPerThread} tasks per thread, ` +
      `${availableParallelism()} CPUs, Bun ${Bun.version}; each scenario in a fresh process, limit ${timeoutMs / 1000} s each\n`,
  );
  const outcomes: Outcome[] = [];
  for (const [i, p] of plans.entries()) {
    process.stdout.write(`[${i + 1}/${plans.length}] ${p.label} ... `);
    if (p.skip !== undefined) {
      outcomes.push(skippedOutcome({ ...p, skip: p.skip }));
      console.log(`skipped: ${p.skip}`);
      continue;
    }
    const tries: Outcome[] = [];
    const times = p.rounds ? rounds : 1;
    for (let round = 0; round < times; round++) {
      if (waitQuietMs > 0) await waitForQuiet(waitQuietMs);
      const outcome = await runScenario(p, timeoutMs);
      tries.push(outcome);
      const secs = `${(outcome.elapsedMs / 1000).toFixed(1)} s`;
      const other = outcome.cpu.otherCores;
      const busy = other !== null && other > BUSY_CORES ? `; other processes used ${other.toFixed(2)} cores meanwhile` : '';
      process.stdout.write(outcome.status === 'ok' ? `done (${secs}${busy})` : `${outcome.status.toUpperCase()} (${secs}${busy})`);
      // A failed round ends the scenario: the failure is what the table shows.
      if (outcome.status !== 'ok') break;
      if (round + 1 < times) process.stdout.write(', ');
    }
    process.stdout.write('\n');
    outcomes.push(medianRound(tries));
  }

  const rows = buildRows(outcomes);
  console.log(`\n${renderTable(rows)}\n`);
  // A skipped row (the peer not installed) is not a failure: the exit code ignores it.
  const failures = outcomes.filter((o): o is Extract<Outcome, { error: string }> => o.status === 'failed' || o.status === 'timed out');
  for (const f of failures) {
    const script = relative(process.cwd(), plans.find((p) => p.id === f.id)?.script ?? SCENARIO);
    console.log(`${f.id} ${f.status}: bun ${script} ${f.args.join(' ')}\n${f.error}\n`);
  }
  const noteLines = notes(outcomes);
  for (const note of noteLines) console.log(`- ${note}`);

  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? null,
      platform: platform(),
      arch: arch(),
      totalMemMB: Math.round(totalmem() / 1024 / 1024),
      bun: Bun.version,
    },
    commit: gitCommit(),
    options: { quick, threads, tasksPerThread, rounds, timeoutSeconds: timeoutMs / 1000, waitQuietSeconds: waitQuietMs / 1000 },
    targets: TARGET,
    table: rows,
    // The ratios to raw piscina are in the table; those to the peer (BullMQ) are among these,
    // and in peerRatios as numbers (swarmAdvantage above 1: the swarm is faster).
    notes: noteLines,
    peerRatios: peerRatiosOf(outcomes),
    scenarios: outcomes,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Full results: ${relative(process.cwd(), outPath) || outPath}`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  },
);
