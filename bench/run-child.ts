/**
 * Running one planned scenario in a fresh child process: waiting first for the other processes
 * to leave the CPUs idle, spawning the scenario script with its own temp directory, killing it
 * at the time limit, reading back its one JSON result line, and measuring the CPU it and
 * everything else on the machine used meanwhile (an Outcome: ok with the result, or failed /
 * timed out with the error).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIO, type Plan } from './plan.ts';
import { swarmProcessEnv } from './lib.ts';
import type { ScenarioResult } from './results.ts';

/** Other processes using more than this many cores during a scenario get a warning. */
export const BUSY_CORES = 0.3;

/**
 * CPU use while a scenario ran, in cores (CPU seconds per wall second): the scenario's own
 * process, and everything else on the machine (other work skews every number).
 */
export interface CpuUse {
  scenarioCores: number | null;
  otherCores: number | null;
}

interface OutcomeBase {
  id: string;
  label: string;
  args: string[];
  elapsedMs: number;
  cpu: CpuUse;
  /** When the scenario ran in rounds (bench/rounds.ts): each round's tasks or jobs per second, in order. */
  rounds?: number[];
  /** The rounds not shown (bench/rounds.ts), whole. */
  otherRounds?: Outcome[];
  /** Which round (from 1) failed, when one did. */
  failedRound?: number;
}

export type Outcome =
  | (OutcomeBase & { status: 'ok'; result: ScenarioResult })
  | (OutcomeBase & { status: 'failed' | 'timed out'; error: string })
  /** Not run: what it needs is not installed here (Plan.skip). Not a failure. */
  | (OutcomeBase & { status: 'skipped'; reason: string });

/** The outcome of a planned scenario that cannot run here, without starting anything. */
export function skippedOutcome(p: Plan & { skip: string }): Outcome {
  return { id: p.id, label: p.label, args: p.args, elapsedMs: 0, cpu: { scenarioCores: null, otherCores: null }, status: 'skipped', reason: p.skip };
}

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

/**
 * Waits (up to `maxMs`) until other processes use under BUSY_CORES for a full second, so a
 * scenario does not start in the middle of someone else's test run. Returns the cores still
 * in use when it gave up, or null when it is quiet (or cannot tell).
 */
export async function waitForQuiet(maxMs: number): Promise<number | null> {
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
export async function runScenario(p: Plan, timeoutMs: number): Promise<Outcome> {
  const t0 = performance.now();
  const busy0 = machineBusySeconds();
  // The database directory belongs to us, so it goes even when the child is killed.
  const dir = mkdtempSync(join(tmpdir(), 'swarm-bench-'));
  const args = /^(swarm|remote|resume|resimulate|bullmq)-/.test(p.args[0]) ? [...p.args, '--dir', dir] : p.args;
  const child = Bun.spawn([process.execPath, p.script ?? SCENARIO, ...args], { env: swarmProcessEnv(), stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
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
