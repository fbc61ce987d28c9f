/**
 * Shared helpers of the benchmark scripts: argument parsing, memory and CPU sampling (process
 * memory, /proc readings), number formatting, the noop manifest symbols, and the common end of
 * every scenario script. The result shapes are in bench/results.ts. No runtime imports here, so
 * run.ts stays light.
 */
import { readFileSync, statSync } from 'node:fs';

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

/**
 * The allocator setting `bin/swarm` gives a swarm process (see there): scenario processes run
 * with it too, so they measure what the `swarm` command runs. A value in the bench's own
 * environment wins, as it does with the launcher.
 */
export function swarmProcessEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return { MIMALLOC_PURGE_DELAY: '-1', ...env };
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

/** `count` manifest symbols, `operation: noop`, named prefix0…; each depending on the previous when chained. */
export function noopSymbols(count: number, chained: boolean, prefix = 't'): Record<string, unknown>[] {
  const symbols: Record<string, unknown>[] = new Array(count);
  for (let i = 0; i < count; i++) {
    symbols[i] = {
      name: `${prefix}${i}`,
      type: 'action',
      parameters: { operation: 'noop' },
      ...(chained && i > 0 ? { dependencies: [`${prefix}${i - 1}`] } : {}),
    };
  }
  return symbols;
}

/** Kernel CPU time (user + system) of a process, or of one thread with `tid`, in µs; null without /proc. */
export function procCpuUs(pid: number | 'self', tid?: number): number | null {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const text = readFileSync(path, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime + stime, USER_HZ = 100
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM of a process (Linux /proc), in bytes, or nulls. */
export function procMemory(pid: number | 'self'): { rss: number | null; hwm: number | null } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => {
      const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : null;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: null, hwm: null };
  }
}

/** 12345.6 → "12,346". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A file's size in bytes, 0 if it does not exist (a database's -wal file may not). */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The end of every scenario script: runs `body`, prints its result (if any) as one JSON line (waiting
 * for the write: the process exits right after, and stdout may be a pipe), exits 0; on an
 * error prints it and exits 1.
 */
export function runScenarioMain(body: () => Promise<unknown>): void {
  body().then(
    async (result) => {
      if (result !== undefined) {
        await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
      }
      process.exit(0);
    },
    (err: unknown) => {
      const message = err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`bench scenario failed: ${message}\n`);
      process.exit(1);
    },
  );
}
