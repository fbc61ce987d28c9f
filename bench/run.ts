/**
 * `bun run bench`: raw piscina (the ceiling) against the swarm, each scenario in a fresh child
 * process (bench/scenario.ts), one table on stdout and every number in bench/results/latest.json.
 * See bench/README.md for what each number means.
 *
 *   bun run bench [--quick] [--threads N] [--tasks-per-thread N] [--timeout SECONDS]
 *                 [--wait-quiet SECONDS] [--only ID[,ID...]] [--out FILE]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import {
  UsageError,
  fmtInt,
  intOption,
  parseArgs,
  type RawResult,
  type RemoteResult,
  type ResumeResult,
  type ResimulateResult,
  type RemoteRunStats,
  type ScenarioResult,
  type SwarmResult,
} from './lib.ts';

const HERE = dirname(new URL(import.meta.url).pathname);
const SCENARIO = resolve(HERE, 'scenario.ts');
const REMOTE_SCENARIO = resolve(HERE, 'remote-scenario.ts');
const RESUME_SCENARIO = resolve(HERE, 'resume-scenario.ts');
const RESIMULATE_SCENARIO = resolve(HERE, 'resimulate-scenario.ts');
const DEFAULT_OUT = resolve(HERE, 'results', 'latest.json');
/** Other processes using more than this many cores during a scenario get a warning. */
const BUSY_CORES = 0.3;
const KNOWN_OPTIONS = new Set(['quick', 'threads', 'tasks-per-thread', 'timeout', 'wait-quiet', 'only', 'out', 'help']);

/** Targets from the issue. */
const TARGET = {
  tasksPerSecond: 25_000,
  fractionOfRaw: 0.4,
  usPerChainStep: 100,
  /** Peak live task actors may not exceed this fraction of the run's tasks ("follows the frontier"). */
  liveFraction: 0.01,
  /**
   * RSS growth (peak − before) of the big flat run may be at most this multiple of the small
   * one's: both have the same frontier, the big one 10× the tasks.
   */
  rssScaleLimit: 2,
  /** One remote worker process (2 threads) over loopback. */
  remoteTasksPerSecond: 15_000,
  /** Re-simulating a 100k-task journal (read, replay, compare). */
  resimulateSeconds: 1,
};

interface Plan {
  id: string;
  label: string;
  /** The scenario script (default bench/scenario.ts). */
  script?: string;
  args: string[];
}

/**
 * CPU use while a scenario ran, in cores (CPU seconds per wall second): the scenario's own
 * process, and everything else on the machine (other work skews every number).
 */
interface CpuUse {
  scenarioCores: number | null;
  otherCores: number | null;
}

interface OutcomeBase {
  id: string;
  label: string;
  args: string[];
  elapsedMs: number;
  cpu: CpuUse;
}

type Outcome =
  | (OutcomeBase & { status: 'ok'; result: ScenarioResult })
  | (OutcomeBase & { status: 'failed' | 'timed out'; error: string });

/** Busy CPU seconds of the whole machine since boot (Linux /proc/stat), or null elsewhere. */
function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = fields[3] + fields[4]; // idle + iowait
    const total = fields.reduce((a, b) => a + b, 0);
    return (total - idle) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

interface Row {
  scenario: string;
  result: string;
  target: string;
  ratio: string;
  met: string;
}

const USAGE = `usage: bun run bench [options]   (or: bun bench/run.ts [options])
  --quick                 smoke run: 1k and 10k flat runs, fewer raw calls (about a minute)
  --threads N             worker threads, for raw piscina and the swarm alike (default 2)
  --tasks-per-thread N    the swarm's [dispatcher] tasks_per_thread (default 4)
  --timeout SECONDS       per-scenario limit; the child is killed after it (default 600)
  --wait-quiet SECONDS    before each scenario, wait up to this long for other processes to
                          leave the CPUs idle (default 60; 0 = start at once)
  --only ID,ID            run only these scenarios: raw-calls, raw-round-trip, raw-batched-16,
                          raw-batched-slots, swarm-flat-10k, swarm-flat-100k, swarm-chain-1k,
                          remote-flat-10k, remote-heartbeats-50, resume-10k, resimulate-100k
                          (with --quick: swarm-flat-1k, swarm-flat-10k, remote-flat-1k, resume-1k,
                          resimulate-10k)
  --out FILE              where to write the JSON (default bench/results/latest.json)`;

function plan(quick: boolean, threads: number, tasksPerThread: number): Plan[] {
  const pool = ['--threads', String(threads)];
  const swarm = [...pool, '--tasks-per-thread', String(tasksPerThread)];
  const rawCalls = quick ? ['--calls', '20000', '--sweep-calls', '5000', '--repeats', '1'] : ['--calls', '100000', '--repeats', '5'];
  const flat = quick ? [1_000, 10_000] : [10_000, 100_000];
  const remoteTasks = quick ? 1_000 : 10_000;
  const remote = ['--tasks-per-thread', String(tasksPerThread), '--tasks', String(remoteTasks)];
  const remoteSlots = `2 threads, ${2 * tasksPerThread} slots`;
  const resumeTasks = quick ? 1_000 : 10_000;
  const resimulateTasks = quick ? 10_000 : 100_000;
  return [
    {
      id: 'raw-calls',
      label: 'raw piscina, echo worker: 1 request/call, 512 in flight',
      args: ['raw-calls', ...pool, '--in-flight', '512', ...rawCalls],
    },
    {
      id: 'raw-round-trip',
      label: 'raw piscina, echo worker: 1 request/call, 1 in flight',
      args: ['raw-calls', ...pool, '--in-flight', '1', '--calls', quick ? '5000' : '20000', ...(quick ? ['--repeats', '1'] : [])],
    },
    {
      id: 'raw-batched-16',
      label: 'raw piscina + thread entry: 16 noops/call, 64 in flight',
      args: ['raw-batched', ...swarm, '--batch', '16', '--in-flight', '64', '--calls', quick ? '2000' : '10000', ...(quick ? ['--repeats', '1'] : [])],
    },
    {
      id: 'raw-batched-slots',
      label: `raw piscina + thread entry: ${tasksPerThread} noops/call, ${threads} in flight (= swarm's ${threads * tasksPerThread} slots)`,
      args: ['raw-batched', ...swarm, '--batch', String(tasksPerThread), '--in-flight', String(threads), '--calls', quick ? '5000' : '20000', ...(quick ? ['--repeats', '1'] : [])],
    },
    ...flat.map((n) => ({
      id: `swarm-flat-${n / 1000}k`,
      label: `swarm: ${fmtInt(n)} independent noops, journal on`,
      args: ['swarm-flat', ...swarm, '--tasks', String(n)],
    })),
    {
      id: 'swarm-chain-1k',
      label: 'swarm: chain of 1,000 noops, journal on',
      args: ['swarm-chain', ...swarm, '--tasks', '1000'],
    },
    {
      id: `remote-flat-${remoteTasks / 1000}k`,
      label: `remote: 1 worker process (${remoteSlots}) over loopback, ${fmtInt(remoteTasks)} independent noops, journal on`,
      script: REMOTE_SCENARIO,
      args: ['remote-flat', ...remote],
    },
    {
      id: 'remote-heartbeats-50',
      label: `remote: the same with 50 light clients heartbeating every 1 s`,
      script: REMOTE_SCENARIO,
      args: ['remote-heartbeats', ...remote, '--clients', '50', '--heartbeat', '1000', '--idle-window', quick ? '3' : '5'],
    },
    {
      id: `resume-${resumeTasks / 1000}k`,
      label: `resume after SIGKILL: ${fmtInt(resumeTasks)}-task run killed at 30% done, a fresh process takes it up`,
      script: RESUME_SCENARIO,
      args: ['resume-after-kill', ...swarm, '--tasks', String(resumeTasks)],
    },
    {
      id: `resimulate-${resimulateTasks / 1000}k`,
      label: `re-simulation: a ${fmtInt(resimulateTasks)}-task journal replayed and checked (swarm replay --simulate)`,
      script: RESIMULATE_SCENARIO,
      args: ['resimulate-journal', ...swarm, '--tasks', String(resimulateTasks)],
    },
  ];
}

/**
 * Waits (up to `maxMs`) until other processes use under BUSY_CORES for a full second, so a
 * scenario does not start in the middle of someone else's test run. Returns the cores still
 * in use when it gave up, or null when it is quiet (or cannot tell).
 */
async function waitForQuiet(maxMs: number): Promise<number | null> {
  const deadline = performance.now() + maxMs;
  let announced = false;
  for (;;) {
    const b0 = machineBusySeconds();
    const t0 = performance.now();
    await Bun.sleep(1_000);
    const b1 = machineBusySeconds();
    if (b0 === null || b1 === null) return null;
    const cores = (b1 - b0) / ((performance.now() - t0) / 1000);
    if (cores <= BUSY_CORES) return null;
    if (performance.now() >= deadline) return cores;
    if (!announced) {
      process.stdout.write(`(waiting for other processes to go quiet: ${cores.toFixed(2)} cores busy) `);
      announced = true;
    }
  }
}

/** Runs one scenario in a child process, killing it after `timeoutMs`. */
async function runScenario(p: Plan, timeoutMs: number): Promise<Outcome> {
  const t0 = performance.now();
  const busy0 = machineBusySeconds();
  // The database directory belongs to us, so it goes even when the child is killed.
  const dir = mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  const args = /^(swarm|remote|resume|resimulate)-/.test(p.args[0]) ? [...p.args, '--dir', dir] : p.args;
  const child = Bun.spawn([process.execPath, p.script ?? SCENARIO, ...args], { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  }, timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  clearTimeout(killTimer);
  rmSync(dir, { recursive: true, force: true });
  const elapsedMs = performance.now() - t0;
  const busy1 = machineBusySeconds();
  const usage = child.resourceUsage();
  const childCpu = usage ? Number(usage.cpuTime.total) / 1e6 : null;
  const wall = elapsedMs / 1000;
  const cpu: CpuUse = {
    scenarioCores: childCpu === null ? null : childCpu / wall,
    otherCores: childCpu === null || busy0 === null || busy1 === null ? null : Math.max(0, (busy1 - busy0 - childCpu) / wall),
  };
  const base = { id: p.id, label: p.label, args: p.args, elapsedMs, cpu };
  if (timedOut) return { ...base, status: 'timed out', error: `killed after ${Math.round(timeoutMs / 1000)} s` };
  const line = stdout.trim().split('\n').findLast((l) => l.startsWith('{'));
  if (code === 0 && line) {
    try {
      return { ...base, status: 'ok', result: JSON.parse(line) as ScenarioResult };
    } catch {
      // fall through: reported as a failure with the raw output
    }
  }
  const tail = (stderr.trim() || stdout.trim() || '(no output)').split('\n').slice(-12).join('\n');
  const how = code === 0 ? 'exited 0 without a JSON result line' : `exited with code ${code ?? `signal ${child.signalCode}`}`;
  return { ...base, status: 'failed', error: `${how}:\n${tail}` };
}

// ---- the table -----------------------------------------------------------------------------

const rate = (n: number, what: string) => `${fmtInt(n)} ${what}/s`;
const ratio = (x: number) => `${x.toFixed(2)}×`;
const mb = (x: number) => `${Math.round(x)} MB`;

function buildRows(outcomes: Outcome[]): Row[] {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const ok = <T extends ScenarioResult>(id: string) => {
    const o = byId.get(id);
    return o?.status === 'ok' ? (o.result as T) : null;
  };
  const raw = ok<RawResult>('raw-calls');
  const roundTrip = ok<RawResult>('raw-round-trip');
  const rows: Row[] = [];

  for (const o of outcomes) {
    if (o.status !== 'ok') {
      rows.push({ scenario: o.label, result: o.status === 'timed out' ? `TIMED OUT (${o.error})` : 'FAILED (see below)', target: '', ratio: '', met: '✗' });
      continue;
    }
    const r = o.result;
    if (r.scenario === 'resume-after-kill') {
      rows.push(...resumeRows(o.label, r as ResumeResult));
      continue;
    }
    if (r.scenario === 'resimulate-journal') {
      rows.push(...resimulateRows(o.label, r as ResimulateResult));
      continue;
    }
    if (r.scenario === 'remote-flat' || r.scenario === 'remote-heartbeats') {
      rows.push(...remoteRows(o.label, r as RemoteResult, raw));
      continue;
    }
    if (r.scenario === 'raw-calls' || r.scenario === 'raw-batched') {
      const result =
        r.usPerRoundTrip !== null
          ? `${r.usPerRoundTrip.toFixed(1)} µs/round trip (${rate(r.requestsPerSecond, 'calls')})`
          : rate(r.requestsPerSecond, 'requests');
      const isRef = o.id === 'raw-calls';
      rows.push({
        scenario: o.label,
        result,
        target: isRef ? 'the ceiling' : '—',
        ratio: isRef ? '1.00× (reference)' : raw ? ratio(r.requestsPerSecond / raw.requestsPerSecond) : 'n/a',
        met: '',
      });
      continue;
    }
    const s = r as SwarmResult;
    const failedRun = s.status !== 'succeeded' ? ` — run ${s.status}, ${s.failedTasks} failed` : '';
    if (s.scenario === 'swarm-flat') {
      const frac = raw ? s.tasksPerSecond / raw.requestsPerSecond : null;
      const met = s.status === 'succeeded' && s.tasksPerSecond >= TARGET.tasksPerSecond && frac !== null && frac >= TARGET.fractionOfRaw;
      rows.push({
        scenario: o.label,
        result: `${rate(s.tasksPerSecond, 'tasks')} (${s.seconds.toFixed(2)} s)${failedRun}`,
        target: `≥ ${fmtInt(TARGET.tasksPerSecond)}/s and ≥ ${TARGET.fractionOfRaw * 100}% of raw`,
        ratio: frac === null ? 'n/a' : ratio(frac),
        met: met ? '✓' : '✗',
      });
      rows.push({
        scenario: `  journal rows written (${fmtInt(s.tasks)} tasks)`,
        result: `${fmtInt(s.journalRows)} (${s.journalRowsPerTask.toFixed(2)} per task)`,
        target: '—',
        ratio: '',
        met: '',
      });
    } else {
      const stepRate = 1e6 / s.usPerTask;
      rows.push({
        scenario: o.label,
        result: `${s.usPerTask >= 100 ? fmtInt(s.usPerTask) : s.usPerTask.toFixed(1)} µs/step (${rate(s.tasksPerSecond, 'steps')})${failedRun}`,
        target: `≤ ${TARGET.usPerChainStep} µs/step`,
        ratio: roundTrip ? `${ratio(stepRate / roundTrip.requestsPerSecond)} of raw round trips` : 'n/a',
        met: s.status === 'succeeded' && s.usPerTask <= TARGET.usPerChainStep ? '✓' : '✗',
      });
    }
  }

  // Memory: the biggest flat run, against the smaller one (same frontier, a tenth of the tasks).
  const flats = outcomes
    .flatMap((o) => (o.status === 'ok' && o.result.scenario === 'swarm-flat' ? [o.result as SwarmResult] : []))
    .sort((a, b) => a.tasks - b.tasks);
  const big = flats.at(-1);
  const small = flats.length > 1 ? flats[0] : undefined;
  if (big) {
    const growth = (s: SwarmResult) => Math.max(0, s.memory.rssPeakSampledMB - s.memory.rssBeforeMB);
    const scale = small ? growth(big) / Math.max(1, growth(small)) : null;
    const k = (s: SwarmResult) => `${fmtInt(s.tasks / 1000)}k`;
    rows.push({
      scenario: `memory, ${k(big)} run: RSS before → peak`,
      result:
        `${mb(big.memory.rssBeforeMB)} → ${big.memory.midRun ? `${mb(big.memory.midRun.rssMB)} half-way → ` : ''}${mb(big.memory.rssPeakSampledMB)} peak (+${mb(growth(big))})` +
        (small ? `; ${k(small)} run: +${mb(growth(small))} → ${scale!.toFixed(1)}× for ${fmtInt(big.tasks / small.tasks)}× the tasks` : ''),
      target: small ? `follows the frontier: growth ≤ ${TARGET.rssScaleLimit}× the ${k(small)} run's` : 'follows the frontier',
      ratio: '',
      met: scale === null ? '?' : scale <= TARGET.rssScaleLimit ? '✓' : '✗',
    });
    const retained = (s: SwarmResult) => (s.memory.midRun ? s.memory.midRun.heapAfterGcMB - s.memory.heapBeforeMB : null);
    const r = retained(big);
    if (r !== null) {
      const rs = small ? retained(small) : null;
      rows.push({
        scenario: `  heap retained half-way (after full GC), ${k(big)} run`,
        result:
          `+${mb(r)} (${fmtInt((r * 1024 * 1024) / big.memory.midRun!.settled)} B per settled task)` +
          (small && rs !== null ? `; ${k(small)} run: +${mb(rs)}` : ''),
        target: '—',
        ratio: '',
        met: '',
      });
    }
    const states = Object.entries(big.peakLiveByState).map(([s, n]) => `${n} ${s}`).join(', ');
    rows.push({
      scenario: `  peak live task actors, ${k(big)} run`,
      result: `${fmtInt(big.peakLiveActors)} of ${fmtInt(big.tasks)}${states ? ` (${states})` : ''}${small ? `; ${k(small)} run: ${fmtInt(small.peakLiveActors)}` : ''}`,
      target: `≤ ${TARGET.liveFraction * 100}% of the tasks`,
      ratio: '',
      met: big.peakLiveActors <= big.tasks * TARGET.liveFraction ? '✓' : '✗',
    });
  }
  return rows;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const cores = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

/** The rows of a remote scenario: throughput, then what the dispatcher and worker spent. */
function remoteRows(label: string, s: RemoteResult, raw: RawResult | null): Row[] {
  const runText = (x: RemoteRunStats) => `${rate(x.tasksPerSecond, 'tasks')} (${x.seconds.toFixed(2)} s)${x.status !== 'succeeded' ? ` — run ${x.status}, ${x.failedTasks} failed` : ''}`;
  const rows: Row[] = [];
  const ok = s.run.status === 'succeeded' && s.run.tasksPerSecond >= TARGET.remoteTasksPerSecond;
  const toRaw = raw ? ratio(s.run.tasksPerSecond / raw.requestsPerSecond) : 'n/a';
  const cpuRow = (x: RemoteRunStats, what: string): Row => ({
    scenario: `  CPU during the run${what}`,
    result: `dispatcher ${cores(x.cores.dispatcher)} cores (main thread ${cores(x.cores.dispatcherMainThread)}), worker process ${cores(x.cores.worker)}`,
    target: '—',
    ratio: '',
    met: '',
  });
  if (s.scenario === 'remote-flat') {
    rows.push({ scenario: label, result: runText(s.run), target: `≥ ${fmtInt(TARGET.remoteTasksPerSecond)}/s`, ratio: toRaw, met: ok ? '✓' : '✗' });
    rows.push({
      scenario: `  journal rows written (${fmtInt(s.tasks)} tasks)`,
      result: `${fmtInt(s.run.journalRows)} (${s.run.journalRowsPerTask.toFixed(2)} per task) in ${fmtInt(s.run.commits)} commits (${fmtInt(s.run.commitMs)} ms)`,
      target: '—',
      ratio: '',
      met: '',
    });
    rows.push(cpuRow(s.run, ''));
    rows.push({
      scenario: '  memory: dispatcher RSS before → peak; worker RSS',
      result: `${mb(s.run.rssBeforeMB)} → ${mb(s.run.rssPeakSampledMB)}; worker ${s.worker.rssMB === null ? 'n/a' : mb(s.worker.rssMB)}`,
      target: '—',
      ratio: '',
      met: '',
    });
    return rows;
  }
  const before = s.runWithoutClients;
  const after = s.runWithoutClientsAfter;
  const without = before && after ? (before.tasksPerSecond + after.tasksPerSecond) / 2 : (before ?? after)?.tasksPerSecond;
  rows.push({
    scenario: label,
    result:
      `${runText(s.run)}; without the clients ${before ? fmtInt(before.tasksPerSecond) : '?'} before, ${after ? fmtInt(after.tasksPerSecond) : '?'} after` +
      (without ? ` → ${pct(s.run.tasksPerSecond / without - 1)}` : ''),
    target: '(report)',
    ratio: toRaw,
    met: '',
  });
  const h = s.heartbeats;
  if (h) {
    const main = h.mainThreadUsPerHeartbeat === null ? '' : ` (main thread ${fmtInt(h.mainThreadUsPerHeartbeat)})`;
    rows.push({
      scenario: `  heartbeat handling, idle: ${h.clients} clients every ${h.intervalMs / 1000} s`,
      result:
        `${fmtInt(h.usPerHeartbeat)} µs CPU per heartbeat${main} = ${(h.extraCores * 100).toFixed(2)}% of a core ` +
        `at ${h.heartbeatsPerSecond.toFixed(1)} beats/s; +${h.extraCommitsPerSecond.toFixed(1)} store commits/s (${fmtInt(h.commitUsPerHeartbeat)} µs per beat)`,
      target: '(report)',
      ratio: '',
      met: '',
    });
  }
  rows.push(cpuRow(s.run, ' with the clients'));
  return rows;
}

const ms = (x: number | null) => (x === null ? 'n/a' : `${fmtInt(x)} ms`);

/** The rows of the resume scenario: time to the first dispatched task, where it goes, the rest. */
function resumeRows(label: string, s: ResumeResult): Row[] {
  const here = s.inProcess;
  const k = s.killedAt;
  const report = (scenario: string, result: string): Row => ({ scenario, result, target: '—', ratio: '', met: '' });
  const ended = (status: string | null, code?: number | null) =>
    status === 'succeeded' && (code === undefined || code === 0) ? '' : ` — run ${status ?? '?'}${code ? `, exit ${code}` : ''}`;
  return [
    {
      scenario: label,
      result:
        `first task dispatched ${ms(here.firstAssignedMs)} after new Dispatcher (running on a thread ${ms(here.firstRunningMs)}); ` +
        `swarm run --resume: ${ms(s.cli.firstAssignedMs)} after its spawn`,
      target: '(report)',
      ratio: '',
      met: '',
    },
    report(
      `  at the kill (${fmtInt(s.tasks)} tasks, delay ${s.delayMs} ms each)`,
      `${fmtInt(k.byStatus.succeeded ?? 0)} succeeded, ${fmtInt(k.inFlight)} in flight (run again), ${fmtInt(k.byStatus.pending ?? 0)} pending`,
    ),
    report(
      '  where the time goes (in-process)',
      `imports ${ms(here.importMs)} (before the clock), open store ${ms(here.openStoreMs)}, start() ${ms(here.startMs)}, ` +
        `${here.via} ${ms(here.resumeCallMs)}${here.via === 'resumeOrphanedRuns' ? '' : ` (resumeOrphanedRuns found ${here.orphansFound})`}`,
    ),
    report(
      '  the rest of the run',
      `${fmtInt(s.tasks - k.settled)} tasks in ${(here.finishMs / 1000).toFixed(2)} s after new Dispatcher${ended(here.status)}; ` +
        `swarm run --resume exited after ${(s.cli.exitMs / 1000).toFixed(2)} s${ended(s.cli.status, s.cli.code)}`,
    ),
  ];
}

/** The rows of the re-simulation scenario: the median pass against the target, then its parts. */
function resimulateRows(label: string, s: ResimulateResult): Row[] {
  const m = s.median;
  const perRow = (p: { seconds: number }) => `${((p.seconds * 1e6) / s.journalRows).toFixed(2)} µs/row`;
  const scaled = s.tasks === 100_000;
  const report = (scenario: string, result: string): Row => ({ scenario, result, target: '—', ratio: '', met: '' });
  const rows: Row[] = [
    {
      scenario: label,
      result: `${m.seconds.toFixed(2)} s (median of ${s.passes.length}; ${perRow(m)}; CPU ${(m.cpuMs / 1000).toFixed(2)} s)`,
      target: scaled ? `≤ ${TARGET.resimulateSeconds} s` : '(report; the target is for 100k)',
      ratio: '',
      met: scaled ? (m.seconds <= TARGET.resimulateSeconds ? '✓' : '✗') : '',
    },
    report(
      `  read ${fmtInt(s.journalRows)} rows + ${fmtInt(s.tasks)} task rows / re-simulate and compare`,
      `${fmtInt(m.readMs)} ms / ${fmtInt(m.simulateMs)} ms; in a fresh process ${s.cold.seconds.toFixed(2)} s; ` +
        `${fmtInt(m.sharing.simulated)} task actors re-simulated, ${fmtInt(m.sharing.shared)} shared a result (${m.sharing.classes} classes)`,
    ),
  ];
  if (s.exact) {
    rows.push(report('  without trajectory sharing (--exact)', `${s.exact.seconds.toFixed(2)} s (read ${fmtInt(s.exact.readMs)} ms, re-simulate ${fmtInt(s.exact.simulateMs)} ms)`));
  }
  return rows;
}

function renderTable(rows: Row[]): string {
  const header: Row = { scenario: 'scenario', result: 'result', target: 'target', ratio: 'ratio to raw piscina', met: 'met' };
  const cols = ['scenario', 'result', 'target', 'ratio', 'met'] as const;
  const all = [header, ...rows];
  const width = (c: (typeof cols)[number]) => Math.max(...all.map((r) => [...r[c]].length));
  const widths = cols.map(width);
  const line = (r: Row) => `| ${cols.map((c, i) => r[c] + ' '.repeat(widths[i] - [...r[c]].length)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Lines printed under the table: what the ratios are relative to, and anything that skews them. */
function notes(outcomes: Outcome[]): string[] {
  const lines: string[] = [];
  const busy = outcomes.filter((o) => o.cpu.otherCores !== null && o.cpu.otherCores > BUSY_CORES);
  if (busy.length > 0) {
    lines.push(
      `other processes were using the CPUs during ${busy.map((o) => `${o.id} (${o.cpu.otherCores!.toFixed(2)} cores)`).join(', ')}: ` +
        'those numbers are low; run again on a quiet machine',
    );
  }
  for (const o of outcomes) {
    if (o.status !== 'ok') continue;
    const r = o.result;
    if (o.id === 'raw-calls' && r.scenario === 'raw-calls') {
      const sweep = r.sweep ?? [];
      const span = sweep.length > 0 ? `; the ${sweep.length} settings swept ran ${fmtInt(Math.min(...sweep.map((x) => x.requestsPerSecond)))}–${fmtInt(Math.max(...sweep.map((x) => x.requestsPerSecond)))}/s` : '';
      lines.push(
        `ratios are to raw-calls (${fmtInt(r.requestsPerSecond)} requests/s: median of ${r.repeatRequestsPerSecond.length}, best ${fmtInt(r.bestRequestsPerSecond)}), ` +
          `piscina's fastest setting here: concurrentTasksPerWorker ${r.piscinaOptions.concurrentTasksPerWorker}, atomics ${r.piscinaOptions.atomics}${span}`,
      );
    }
    if (o.id === 'raw-round-trip') lines.push('the chain is compared with raw round trips (1 call in flight): one step cannot start before the previous one is back');
  }
  return lines;
}

// ---- main ----------------------------------------------------------------------------------

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
    if (waitQuietMs > 0) await waitForQuiet(waitQuietMs);
    const outcome = await runScenario(p, timeoutMs);
    outcomes.push(outcome);
    const secs = `${(outcome.elapsedMs / 1000).toFixed(1)} s`;
    const other = outcome.cpu.otherCores;
    const busy = other !== null && other > BUSY_CORES ? `; other processes used ${other.toFixed(2)} cores meanwhile` : '';
    console.log(outcome.status === 'ok' ? `done (${secs}${busy})` : `${outcome.status.toUpperCase()} (${secs}${busy})`);
  }

  const rows = buildRows(outcomes);
  console.log(`\n${renderTable(rows)}\n`);
  const failures = outcomes.filter((o): o is Extract<Outcome, { error: string }> => o.status !== 'ok');
  for (const f of failures) {
    const script = relative(process.cwd(), plans.find((p) => p.id === f.id)?.script ?? SCENARIO);
    console.log(`${f.id} ${f.status}: bun ${script} ${f.args.join(' ')}\n${f.error}\n`);
  }
  for (const note of notes(outcomes)) console.log(`- ${note}`);

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
    options: { quick, threads, tasksPerThread, timeoutSeconds: timeoutMs / 1000, waitQuietSeconds: waitQuietMs / 1000 },
    targets: TARGET,
    table: rows,
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
