/**
 * Shared pieces of the benchmark: the result shapes a scenario prints, argument parsing, and
 * memory sampling. No runtime imports here, so run.ts stays light.
 */
import { readFileSync } from 'node:fs';

export const SCENARIO_KINDS = ['raw-calls', 'raw-batched', 'swarm-flat', 'swarm-chain'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/** What every scenario prints, as one JSON line on stdout. */
export interface ScenarioResultBase {
  scenario: ScenarioKind;
  threads: number;
  /** Wall-clock seconds of the measured part. */
  seconds: number;
  bunVersion: string;
  /** 1-minute load average when the scenario started and when it ended: other work skews results. */
  loadAvg: { start: number; end: number };
}

/** Raw piscina: calls straight into a pool, no swarm code on the main thread. */
export interface RawResult extends ScenarioResultBase {
  scenario: 'raw-calls' | 'raw-batched';
  /** piscina calls made (after warm-up). */
  calls: number;
  /** Requests carried per call (1 for raw-calls). */
  batchSize: number;
  /** Calls kept in flight at once. */
  inFlight: number;
  /** Requests (= tasks) per second: the median of the timed repeats. */
  requestsPerSecond: number;
  /** The fastest repeat, and every repeat. */
  bestRequestsPerSecond: number;
  repeatRequestsPerSecond: number[];
  /** Calls per second at the median repeat. */
  callsPerSecond: number;
  /** Mean microseconds per call when inFlight is 1 (a round trip), else null. */
  usPerRoundTrip: number | null;
  /** The piscina options of the timed passes (for raw-calls: the fastest of the sweep). */
  piscinaOptions: Record<string, unknown>;
  /** raw-calls only: one short pass per piscina setting tried, when they were swept. */
  sweep?: { concurrentTasksPerWorker: number; atomics: string; requestsPerSecond: number }[];
  /** RSS after imports, at the end (pools destroyed), and the process's high-water mark (VmHWM), MB. */
  memory: { rssStartMB: number; rssEndMB: number; vmHwmMB: number | null };
}

/** A swarm run: Dispatcher + SqliteStore journal, no-op tasks. */
export interface SwarmResult extends ScenarioResultBase {
  scenario: 'swarm-flat' | 'swarm-chain';
  tasks: number;
  tasksPerThread: number;
  /** 'sqlite': a real SqliteStore file (the measured setting); 'memory': MemoryStore, for diagnosis. */
  store: 'sqlite' | 'memory';
  status: string;
  completedTasks: number;
  failedTasks: number;
  tasksPerSecond: number;
  /** seconds / tasks, in µs: for a chain, the cost of one dependent step. */
  usPerTask: number;
  /** Time spent inside the synchronous deploy() call (createRun of every task, first activations). */
  deployCallMs: number;
  /** Tasks of the warm-up run deployed (and awaited) before the measured one. */
  warmupTasks: number;
  /** Journal rows written by the measured run (transitions after − before). */
  journalRows: number;
  journalRowsPerTask: number;
  /** All transitions in the store at the end (warm-up run and dispatcher/node actors included). */
  journalRowsTotal: number;
  dbBytes: number;
  memory: {
    /** RSS right after the process's imports, MB. */
    rssStartMB: number;
    /** RSS just before the measured deploy (dispatcher started, warm-up done, manifest built), MB. */
    rssBeforeMB: number;
    /** Highest RSS sampled every ~50 ms during the measured run, MB. */
    rssPeakSampledMB: number;
    /** RSS when the run's result arrived, MB. */
    rssAfterMB: number;
    /** The kernel's high-water mark for the whole process (VmHWM; includes setup), MB, or null. */
    vmHwmMB: number | null;
    /** Heap used before / peak sampled during the run, MB. */
    heapBeforeMB: number;
    heapPeakSampledMB: number;
    /**
     * Taken once when half the tasks have settled, right after a forced full GC: RSS and the
     * heap really retained mid-run (null when the run was too short for a sample to land there).
     * The GC pause (gcMs) is inside the measured time.
     */
    midRun: {
      settled: number;
      rssMB: number;
      heapAfterGcMB: number;
      heapTotalMB: number;
      externalMB: number;
      gcMs: number;
    } | null;
    samples: number;
  };
  /** Peak number of live task actors (sum of progress().live) seen by the sampler. */
  peakLiveActors: number;
  /** The live-state breakdown at that peak. */
  peakLiveByState: Record<string, number>;
}

export type ScenarioResult = RawResult | SwarmResult;

/** `--name value` / `--name=value` / `--flag` parsing, nothing more. */
export function parseArgs(argv: string[]): { positional: string[]; options: Map<string, string | true> } {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      options.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      options.set(arg.slice(2), argv[++i]);
    } else {
      options.set(arg.slice(2), true);
    }
  }
  return { positional, options };
}

/** A positive integer option, or the fallback; exits with a clear message when malformed. */
export function intOption(options: Map<string, string | true>, name: string, fallback: number, min = 1): number {
  const raw = options.get(name);
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' ? Number(raw.replaceAll('_', '')) : NaN;
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} needs an integer ≥ ${min}, got ${raw === true ? 'nothing' : JSON.stringify(raw)}`);
  }
  return value;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const MB = 1024 * 1024;
export const toMB = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

/** The kernel's peak resident set for this process (Linux /proc), in bytes, or null elsewhere. */
export function vmHwmBytes(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples process memory (and whatever `extra` reports) every `intervalMs` on the main
 * thread. A sample missed while the main thread is busy is simply missed; VmHWM covers that.
 */
export class MemorySampler {
  peakRss = 0;
  peakHeap = 0;
  samples = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly extra: () => void = () => {},
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
  }

  sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    if (rss > this.peakRss) this.peakRss = rss;
    if (heapUsed > this.peakHeap) this.peakHeap = heapUsed;
    this.samples++;
    this.extra();
  }
}

/** 12345.6 → "12,346". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
