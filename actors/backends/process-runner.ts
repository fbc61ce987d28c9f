import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';
import { backendCommand, backendExecutable, backendScript, type BackendSpec } from './backend-command.ts';
import { backendEnv } from './backend-env.ts';
import { checkedOutcome } from '../../src/task-output.ts';
import { backendError, cancelled, exitFailure, outputOf, outputTooLarge, timedOut } from './backend-outcome.ts';
import { describeProblem, readableFileProblem, spawnProblem } from './backend-problems.ts';
import { DEFAULT_KILL_GRACE_MS } from './process-group.ts';
import { runInProcessGroup } from './run-in-process-group.ts';

export interface BackendRunOptions {
  /** Between SIGTERM and SIGKILL when the group is ended (default 1 s). */
  killGraceMs?: number;
  /** Where the allowlisted variables are read from (default `process.env`). */
  parentEnv?: Record<string, string | undefined>;
}

/**
 * Runs one attempt of `request` on an external backend and never throws. The process starts
 * without a shell in a process group of its own, gets the request as JSON on stdin and only
 * allowlisted environment variables; exit 0 is success with stdout (JSON, else text) as the
 * output. A timeout (the smaller of the symbol's and the backend's), an abort of `signal` or
 * stdout past `max_output_size` kills the whole group, SIGTERM then SIGKILL.
 */
export async function runBackendProcess(
  spec: BackendSpec,
  request: ExecutionRequest,
  signal: AbortSignal,
  options: BackendRunOptions = {},
): Promise<ExecutionOutcome> {
  if (signal.aborted) return cancelled(signal.reason);
  const scriptFault = scriptUnavailable(spec);
  if (scriptFault) return scriptFault;

  const command = backendCommand(spec, request);
  const timeoutMs = Math.min(request.symbol.timeout, spec.timeoutMs);
  const run = await runInProcessGroup({
    ...command,
    env: backendEnv(request, options.parentEnv),
    // A trailing newline, so an engine that reads one line (fgets, ReadLine) gets all of it.
    stdin: new TextEncoder().encode(JSON.stringify(request) + '\n'),
    timeoutMs,
    signal,
    maxOutputBytes: spec.maxOutputBytes,
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  });
  if (!run.started) return spawnFailed(spec, command.args, run.error);
  const label = labelOf(spec);
  switch (run.ended) {
    case 'timeout': {
      const bound =
        request.symbol.timeout <= spec.timeoutMs ? `the symbol's \`timeout\`` : `backends.${spec.target}.timeout`;
      return timedOut(request.symbol.name, label, timeoutMs, bound, run.stderr);
    }
    case 'aborted':
      return cancelled(signal.reason);
    case 'stdout-too-large':
    case 'exited':
      // Whether the exit or the overflow was seen first is a race; the output is cut either way.
      if (run.stdout.truncated) {
        const stopped = run.ended === 'stdout-too-large';
        return outputTooLarge(label, `backends.${spec.target}.max_output_size`, run.stdout, run.stderr, stopped);
      }
      if (run.exitCode !== 0) return exitFailure(label, run.exitCode, run.signalCode, run.stderr);
      return checkedOutcome({ ok: true, output: outputOf(run.stdout) }, label);
  }
}

/** "php_engine (php)": which backend, and which program it started. */
export function labelOf(spec: BackendSpec): string {
  return `${spec.target} (${backendExecutable(spec).path})`;
}

/**
 * A missing or unusable file is not retryable: another attempt finds the same file system, and
 * retrying would only delay the message (and the rollback) by the backoff. The health check at
 * worker start reports the same problems before any task is assigned.
 */
function unavailable(spec: BackendSpec, problem: string, fix: string): ExecutionOutcome {
  return {
    ok: false,
    error: backendError('BACKEND_UNAVAILABLE', `${spec.target} cannot run: ${problem}; ${fix}.`),
    retryable: false,
  };
}

/** Checked per attempt (one stat) because the interpreter would fail on it with a vaguer message. */
export function scriptUnavailable(spec: BackendSpec): ExecutionOutcome | null {
  const script = backendScript(spec);
  const problem = script && readableFileProblem(script.path);
  if (!script || !problem) return null;
  const { problem: what, fix } = describeProblem(script, problem);
  return unavailable(spec, what, fix);
}

export function spawnFailed(spec: BackendSpec, args: string[], error: NodeJS.ErrnoException): ExecutionOutcome {
  const executable = backendExecutable(spec);
  const problem = spawnProblem(executable.path, error.code);
  if (problem) {
    const { problem: what, fix } = describeProblem(executable, problem);
    return unavailable(spec, what, fix);
  }
  if (error.code === 'E2BIG') {
    const size = args.reduce((n, a) => n + Buffer.byteLength(a), 0);
    return {
      ok: false,
      error: backendError(
        'BACKEND_FAILED',
        `${spec.target} cannot be started: its arguments (${size} bytes, mostly the symbol's parameters as JSON) ` +
          `are too long for a command line; pass large data as a dependency's output, which reaches the ` +
          `backend on stdin.`,
      ),
      retryable: false,
    };
  }
  // EAGAIN, EMFILE, ENOMEM…: the host is short of something for now, so another attempt may start.
  return {
    ok: false,
    error: backendError('BACKEND_FAILED', `${labelOf(spec)} could not be started: ${error.message}`),
    retryable: true,
  };
}
