import type { Command } from 'commander';
import { EnginePool, checkBackends, enabledBackends, runBackendProcess, type BackendSpec } from '../../../actors/backends/index.ts';
import type { SwarmConfig } from '../../config/index.ts';
import type { ExecutionRequest } from '../../execution.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig } from '../context.ts';
import { out } from '../exit.ts';
import { printJson, truncate } from '../output.ts';

/** One backend's verdict: the health check, then (if it passed) a probe symbol through it. */
export interface BackendCheckReport {
  backend: string;
  enabled: boolean;
  /** `process` or `persistent` ([backends.X] mode); a persistent backend is probed in both modes. */
  mode?: 'process' | 'persistent';
  ok: boolean;
  /** What was found (the executable's version line, the probe's output). */
  detail?: string;
  problem?: string;
  fix?: string;
}

/**
 * `swarm backend check [config] [--json]`: for each enabled backend, the same health check a
 * worker runs at start, then one probe symbol (`swarm.probe`, a `query` with `{probe: true}`)
 * run through it exactly as a task would be — as a process of its own, and, for a backend with
 * `mode = "persistent"`, also twice through one warm engine (`--serve`), which proves it speaks
 * the protocol and serves more than one request (or, with max_requests = 1, that it is replaced). Prints what works and what does not, with the
 * fix. Exit 0 when every enabled backend works (or none is enabled), 1 when one does not.
 */
export function registerBackend(program: Command): void {
  const backend = program.command('backend').description(summaryOf('backend'));
  backend
    .command('check')
    .description('checks each enabled backend and runs a probe symbol through it')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the reports as JSON')
    .action(
      action(async (configPath: string | undefined, opts: { json?: boolean }) => {
        const { config } = await loadCliConfig(configPath);
        const reports = await checkAll(config);
        if (opts.json) await printJson({ backends: reports });
        else for (const line of describe(reports)) await out(line);
        return reports.every((r) => r.ok || !r.enabled) ? 0 : 1;
      }),
    );
}

async function checkAll(config: SwarmConfig): Promise<BackendCheckReport[]> {
  const specs = enabledBackends(config.backends);
  const health = await checkBackends(specs);
  const reports = await Promise.all(
    specs.map(async (spec, i): Promise<BackendCheckReport> => {
      const h = health[i];
      const mode = spec.persistent ? 'persistent' : 'process';
      if (!h.ok) return { backend: spec.target, enabled: true, mode, ok: false, problem: h.problem, fix: h.fix };
      const inProcess = await probe(spec, h.detail);
      if (!inProcess.ok || !spec.persistent) return { backend: spec.target, enabled: true, mode, ...inProcess };
      return { backend: spec.target, enabled: true, mode, ...(await probeWarm(spec, inProcess.detail ?? h.detail)) };
    }),
  );
  const disabled = (['rust_injector', 'php_engine', 'powershell_engine'] as const)
    .filter((target) => !specs.some((s) => s.target === target))
    .map((backend): BackendCheckReport => ({ backend, enabled: false, ok: false, fix: `set [backends.${backend}] enabled = true to use it` }));
  return [...reports, ...disabled];
}

function probeRequest(spec: BackendSpec): ExecutionRequest {
  return {
    runId: 'backend-check',
    task: 'swarm.probe',
    attempt: 1,
    kind: 'run',
    symbol: { name: 'swarm.probe', type: 'query', context: 'generic', dispatch: spec.target, parameters: { probe: true }, timeout: spec.timeoutMs },
    dependencies: {},
    baseDir: null,
  };
}

async function probe(spec: BackendSpec, version: string): Promise<Pick<BackendCheckReport, 'ok' | 'detail' | 'problem' | 'fix'>> {
  const outcome = await runBackendProcess(spec, probeRequest(spec), new AbortController().signal);
  if (outcome.ok) return { ok: true, detail: `${version}; probe answered ${truncate(JSON.stringify(outcome.output) ?? 'null', 80)}` };
  return {
    ok: false,
    detail: version,
    problem: `the probe symbol failed (${outcome.error.code}): ${truncate(outcome.error.message, 300)}`,
    fix: 'run the backend by hand with the same arguments to see why, or check its own log',
  };
}

/** Requests sent to a warm engine by the check. */
const PROBES = 2;

/**
 * The persistent mode: one warm engine, asked twice; it must answer both and stay up, unless
 * max_requests tells the pool to replace it sooner (then the replacement must answer too).
 */
async function probeWarm(
  spec: BackendSpec,
  before: string,
): Promise<Pick<BackendCheckReport, 'ok' | 'detail' | 'problem' | 'fix'>> {
  const pool = new EnginePool({ spec: { ...spec, persistent: spec.persistent! }, size: 1 });
  try {
    const signal = new AbortController().signal;
    for (let attempt = 1; attempt <= PROBES; attempt++) {
      const outcome = await pool.run({ ...probeRequest(spec), attempt }, signal);
      if (!outcome.ok) {
        return {
          ok: false,
          detail: before,
          problem: `as a warm engine (mode = "persistent", started with --serve) the probe failed (${outcome.error.code}): ${truncate(outcome.error.message, 300)}`,
          fix: `make the engine serve the protocol of README "Warm engines", or set [backends.${spec.target}] mode = "process"`,
        };
      }
    }
    // An engine told to serve fewer than two requests (max_requests) is replaced as it should be:
    // that replacement is part of what is checked, not a failure.
    const { maxRequests } = spec.persistent!;
    const replacedByConfig = Math.floor(PROBES / maxRequests);
    const { recycled, crashed } = pool.stats();
    if (recycled > replacedByConfig || crashed > 0) {
      return { ok: false, detail: before, problem: 'the warm engine did not stay up between two probes', fix: `check its stderr, or set [backends.${spec.target}] mode = "process"` };
    }
    const fresh = maxRequests === 1 ? `, each on a fresh engine (max_requests = 1)` : '';
    return { ok: true, detail: `${before}; warm engine (--serve) answered ${PROBES} probes${fresh}` };
  } finally {
    await pool.close();
  }
}

function describe(reports: BackendCheckReport[]): string[] {
  return reports.map((r) => {
    if (!r.enabled) return `- ${r.backend}: disabled (${r.fix})`;
    if (r.ok) return `✓ ${r.backend}: works (mode ${r.mode}) — ${r.detail}`;
    return `✗ ${r.backend}: does not work — ${r.problem}\n  fix: ${r.fix}`;
  });
}
