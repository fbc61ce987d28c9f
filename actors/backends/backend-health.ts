import {
  backendExecutable,
  backendScript,
  type BackendSpec,
  type BackendTarget,
  type ConfiguredPath,
} from './backend-command.ts';
import { inheritedEnv } from './backend-env.ts';
import { stderrForMessage } from './backend-outcome.ts';
import { capturedText } from './capped-output.ts';
import { describeProblem, findExecutable, readableFileProblem, spawnProblem } from './backend-problems.ts';
import { DEFAULT_KILL_GRACE_MS } from './process-group.ts';
import { runInProcessGroup } from './run-in-process-group.ts';

/** Whether a backend can run here; when not, what is wrong and which config key to change. */
export type BackendHealth =
  | { target: BackendTarget; ok: true; detail: string }
  | { target: BackendTarget; ok: false; problem: string; fix: string };

export interface HealthCheckOptions {
  /** Bound on the interpreter's version probe (default 10 s: a cold pwsh takes a second or two). */
  probeTimeoutMs?: number;
  killGraceMs?: number;
  /** Where PATH and the other allowlisted variables come from (default `process.env`). */
  parentEnv?: Record<string, string | undefined>;
}

const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/**
 * Interpreters answer a version flag quickly and prove they start; the injector's CLI has no
 * documented version flag, so it is only checked for being executable.
 */
const VERSION_PROBES: Record<BackendTarget, string[] | null> = {
  rust_injector: null,
  php_engine: ['-v'],
  powershell_engine: ['-Version'],
};

/** Version output is a line or two; more is not read. */
const PROBE_OUTPUT_BYTES = 16 * 1024;

/**
 * Checks one backend once, at worker start (not per task): the executable resolves (a path
 * that is an executable file, or a name found on PATH), the engine script is a readable file,
 * and an interpreter answers its version flag within the probe timeout.
 */
export async function checkBackend(spec: BackendSpec, options: HealthCheckOptions = {}): Promise<BackendHealth> {
  const { target } = spec;
  const env = inheritedEnv(options.parentEnv);
  const executable = backendExecutable(spec);
  const found = findExecutable(executable.path, env.PATH);
  if ('problem' in found) return { target, ok: false, ...describeProblem(executable, found.problem) };
  const script = backendScript(spec);
  const scriptProblem = script && readableFileProblem(script.path);
  if (script && scriptProblem) return { target, ok: false, ...describeProblem(script, scriptProblem) };
  const where = script ? `${found.path}, script ${script.path}` : found.path;

  const probe = VERSION_PROBES[target];
  if (!probe) return { target, ok: true, detail: `${target}: ${where} is executable` };
  const answer = await runProbe(executable, found.path, probe, env, options);
  if ('problem' in answer) return { target, ok: false, ...answer };
  return { target, ok: true, detail: `${target}: ${answer.version} (${where})` };
}

/** Every spec's health, checked concurrently. */
export function checkBackends(specs: BackendSpec[], options: HealthCheckOptions = {}): Promise<BackendHealth[]> {
  return Promise.all(specs.map((spec) => checkBackend(spec, options)));
}

async function runProbe(
  executable: ConfiguredPath,
  file: string,
  args: string[],
  env: Record<string, string>,
  options: HealthCheckOptions,
): Promise<{ version: string } | { problem: string; fix: string }> {
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const run = await runInProcessGroup({
    file,
    args,
    env,
    stdin: new Uint8Array(0),
    timeoutMs,
    signal: new AbortController().signal,
    maxOutputBytes: PROBE_OUTPUT_BYTES,
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  });
  const shown = `"${[executable.path, ...args].join(' ')}"`;
  const fix = `check that ${executable.key} names ${executable.what} that works on this host`;
  if (!run.started) {
    const problem = spawnProblem(file, run.error.code);
    if (problem) return describeProblem(executable, problem);
    return { problem: `${shown} could not be started: ${run.error.message}`, fix };
  }
  if (run.ended === 'timeout' || run.ended === 'aborted') {
    return { problem: `${shown} did not answer within ${timeoutMs} ms`, fix };
  }
  // One stopped for printing more than the cap (`stdout-too-large`) has answered: only its first line is read.
  if (run.ended === 'exited' && run.exitCode !== 0) {
    const how = run.signalCode !== null ? `was killed by signal ${run.signalCode}` : `exited with code ${run.exitCode}`;
    return { problem: `${shown} ${how}; ${stderrForMessage(run.stderr)}`, fix };
  }
  const firstLine = capturedText(run.stdout).split('\n', 1)[0].trim();
  return { version: firstLine || `${shown} answered` };
}
