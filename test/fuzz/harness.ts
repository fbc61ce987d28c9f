import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, leakIn, shorten } from './checks.ts';
import type { Problem } from './inprocess-checks.ts';

/**
 * The parent side of the in-process fuzzers (case-runner.ts in a child, killed and restarted
 * past a case that hangs) and the real CLI runs of sampled cases, every wait bounded.
 */

export interface CaseResult {
  i: number;
  verdict: 'valid' | 'invalid' | 'crashed' | 'hung';
  problems: Problem[];
  rssMiB?: number;
  ms?: number;
  input?: string;
}

/** Runs `indexes` through case-runner.ts; a case with no result within `perCaseMs` is killed and reported as hung. */
export async function runCasesInChild(kind: 'manifest' | 'config', seed: number, indexes: number[], perCaseMs: number, onResult: (r: CaseResult) => void): Promise<void> {
  let remaining = [...indexes];
  while (remaining.length > 0) {
    const child = Bun.spawn([process.execPath, join(ROOT, 'test/fuzz/case-runner.ts'), kind, String(seed), remaining.join(',')], {
      cwd: ROOT,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const done = new Set<number>();
    let hung = false;
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), perCaseMs)));
      const next = await Promise.race([reader.read(), timeout]);
      clearTimeout(timer);
      if (next === 'timeout') {
        hung = true;
        child.kill('SIGKILL');
        break;
      }
      if (next.done) break;
      buffer += decoder.decode(next.value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const result = JSON.parse(line) as CaseResult;
        done.add(result.i);
        onResult(result);
      }
    }
    await child.exited;
    const left = remaining.filter((i) => !done.has(i));
    if (left.length === 0) break;
    // The first case without a result is the one that hung (or crashed the child).
    const culprit = left[0];
    const err = await stderr;
    onResult({
      i: culprit,
      verdict: hung ? 'hung' : 'crashed',
      problems: [
        hung
          ? { cls: `${kind}: in-process check hung (no result within ${perCaseMs} ms)`, detail: `killed after ${perCaseMs} ms` }
          : { cls: `${kind}: the checking process died (exit ${child.exitCode}, signal ${child.signalCode})`, detail: shorten(err, 600) },
      ],
    });
    remaining = left.slice(1);
  }
}

/** VmHWM of `pid` in KiB, or null when it is gone (or there is no /proc). */
function highWaterKiB(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | number | null;
  stdout: string;
  stderr: string;
  killed: boolean;
  maxRssMiB: number | null;
}

/** Runs `swarm …args` with `env`, killing it after `boundMs`. */
export async function runCli(args: string[], boundMs: number, env: Record<string, string> = {}, cwd = ROOT): Promise<CliRun> {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.SWARM_CONFIG;
  delete base.SWARM_AUTH_TOKEN;
  delete base.SWARM_DATABASE_URL;
  const child = Bun.spawn([process.execPath, join(ROOT, 'src/cli/bin.ts'), ...args], {
    cwd,
    env: { ...base, NO_COLOR: '1', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  // Peak memory from /proc (VmHWM, the process's own high-water mark since exec), sampled while
  // it runs: Bun's rusage of a child also counts what the child inherited at fork, i.e. this
  // test process's memory, which grows over a long run (1.5 GB measured in CI).
  let peakKiB: number | null = null;
  const sample = () => {
    const kib = highWaterKiB(child.pid);
    if (kib !== null) peakKiB = Math.max(peakKiB ?? 0, kib);
  };
  const sampler = setInterval(sample, 20);
  sample();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    // Its whole group would be better, but the CLI is not a group leader; its threads die with it.
    child.kill('SIGKILL');
  }, boundMs);
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  sample(); // its output is closed: as late as it can still be read
  clearInterval(sampler);
  await child.exited;
  clearTimeout(timer);
  const maxRssMiB = peakKiB === null ? null : Math.round(peakKiB / 1024);
  return { code: child.exitCode, signal: child.signalCode, stdout, stderr, killed, maxRssMiB };
}

/** The problems of one CLI run: exit code, leaks, a --json stdout that is one JSON document, memory. */
export function cliProblems(command: string, run: CliRun, opts: { json: boolean; allowed: number[]; boundMs: number; maxRssMiB: number; tmp?: string }): Problem[] {
  const problems: Problem[] = [];
  const scrub = (text: string) => (opts.tmp ? text.split(opts.tmp).join('<tmp>') : text);
  if (run.killed) {
    problems.push({ cls: `cli ${command}: hung (no exit within ${opts.boundMs} ms)`, detail: `killed; stderr so far: ${shorten(run.stderr, 300)}` });
    return problems;
  }
  if (run.code === null || !opts.allowed.includes(run.code)) {
    problems.push({ cls: `cli ${command}: exit ${run.code ?? run.signal}`, detail: shorten(`stdout: ${run.stdout}\nstderr: ${run.stderr}`, 800) });
  }
  for (const [name, text] of [['stderr', run.stderr], ['stdout', run.stdout]] as const) {
    const leak = leakIn(scrub(text));
    if (leak) problems.push({ cls: `cli ${command}: ${name} shows ${leak.split(':')[0]}`, detail: leak });
  }
  if (opts.json) {
    try {
      JSON.parse(run.stdout);
    } catch {
      problems.push({ cls: `cli ${command}: --json stdout is not one JSON document`, detail: shorten(`stdout: ${run.stdout || '(empty)'}\nstderr: ${run.stderr}`, 400) });
    }
  }
  if (run.maxRssMiB !== null && run.maxRssMiB > opts.maxRssMiB) {
    problems.push({ cls: `cli ${command}: memory over ${opts.maxRssMiB} MiB`, detail: `max RSS ${run.maxRssMiB} MiB` });
  }
  return problems;
}

/** Runs `tasks` with at most `limit` at once. */
export async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}
