import type { Command } from 'commander';
import { checkBackends, enabledBackends, runBackendProcess, type BackendSpec } from '../../../actors/backends/index.ts';
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
  ok: boolean;
  /** What was found (the executable's version line, the probe's output). */
  detail?: string;
  problem?: string;
  fix?: string;
}

/**
 * `swarm backend check [config] [--json]`: for each enabled backend, the same health check a
 * worker runs at start, then one probe symbol (`swarm.probe`, a `query` with `{probe: true}`)
 * run through it exactly as a task would be. Prints what works and what does not, with the
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
      if (!h.ok) return { backend: spec.target, enabled: true, ok: false, problem: h.problem, fix: h.fix };
      return { backend: spec.target, enabled: true, ...(await probe(spec, h.detail)) };
    }),
  );
  const disabled = (['rust_injector', 'php_engine', 'powershell_engine'] as const)
    .filter((target) => !specs.some((s) => s.target === target))
    .map((backend): BackendCheckReport => ({ backend, enabled: false, ok: false, fix: `set [backends.${backend}] enabled = true to use it` }));
  return [...reports, ...disabled];
}

async function probe(spec: BackendSpec, version: string): Promise<Pick<BackendCheckReport, 'ok' | 'detail' | 'problem' | 'fix'>> {
  const request: ExecutionRequest = {
    runId: 'backend-check',
    task: 'swarm.probe',
    attempt: 1,
    kind: 'run',
    symbol: { name: 'swarm.probe', type: 'query', context: 'generic', dispatch: spec.target, parameters: { probe: true }, timeout: spec.timeoutMs },
    dependencies: {},
    baseDir: null,
  };
  const outcome = await runBackendProcess(spec, request, new AbortController().signal);
  if (outcome.ok) return { ok: true, detail: `${version}; probe answered ${truncate(JSON.stringify(outcome.output) ?? 'null', 80)}` };
  return {
    ok: false,
    detail: version,
    problem: `the probe symbol failed (${outcome.error.code}): ${truncate(outcome.error.message, 300)}`,
    fix: 'run the backend by hand with the same arguments to see why, or check its own log',
  };
}

function describe(reports: BackendCheckReport[]): string[] {
  return reports.map((r) => {
    if (!r.enabled) return `- ${r.backend}: disabled (${r.fix})`;
    if (r.ok) return `✓ ${r.backend}: works — ${r.detail}`;
    return `✗ ${r.backend}: does not work — ${r.problem}\n  fix: ${r.fix}`;
  });
}
