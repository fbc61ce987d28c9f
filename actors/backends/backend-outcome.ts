import type { SerializedError } from '../../src/errors.ts';
import type { ExecutionOutcome } from '../../src/execution.ts';
import { capturedText, type CapturedOutput } from './capped-output.ts';

/**
 * How a finished backend process reads as an attempt's outcome. Error codes are stable strings
 * (they cross sockets and are stored): BACKEND_FAILED, BACKEND_OUTPUT_TOO_LARGE,
 * BACKEND_UNAVAILABLE, BACKEND_PROTOCOL_ERROR (warm engines), and the runtime's own
 * TASK_TIMEOUT and TASK_CANCELLED.
 */

export type BackendErrorCode =
  | 'BACKEND_FAILED'
  | 'BACKEND_OUTPUT_TOO_LARGE'
  | 'BACKEND_UNAVAILABLE'
  /** A warm engine wrote something that is not an answer to the request it was given. */
  | 'BACKEND_PROTOCOL_ERROR';

export function backendError(code: BackendErrorCode, message: string): SerializedError {
  return { name: 'BackendError', code, message };
}

/**
 * Stdout of a successful run as the symbol's output: its JSON if it parses, else its text
 * without the one trailing newline a program prints; nothing at all is null.
 */
export function outputOf(stdout: CapturedOutput): unknown {
  const text = capturedText(stdout).replace(/\r?\n$/, '');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Stderr for a message, ready to append: trailing whitespace dropped, a marker when the cap
 * cut it, `(no stderr)` when there was none. It goes in the message, not a field of its own,
 * because the wire format of errors carries only name, code, message and stack.
 */
export function stderrForMessage(stderr: CapturedOutput): string {
  const text = capturedText(stderr).trimEnd();
  if (text === '' && !stderr.truncated) return '(no stderr)';
  const marker = stderr.truncated ? `\n… [stderr truncated at ${stderr.limit} bytes]` : '';
  return `stderr:\n${text}${marker}`;
}

/** A non-zero exit or a death by signal: worth another attempt, like any runtime failure. */
export function exitFailure(
  label: string,
  exitCode: number | null,
  signalCode: string | null,
  stderr: CapturedOutput,
): ExecutionOutcome {
  const how = signalCode !== null ? `was killed by signal ${signalCode}` : `exited with code ${exitCode}`;
  return {
    ok: false,
    error: backendError('BACKEND_FAILED', `${label} ${how}; ${stderrForMessage(stderr)}`),
    retryable: true,
  };
}

/**
 * More stdout than the cap: the output is incomplete, so the attempt failed, however the process
 * ended. `stopped`: it was still printing and was killed with its group at the cap. Not
 * retryable: the same request prints the same output again; the fix is the limit.
 */
export function outputTooLarge(
  label: string,
  limitKey: string,
  stdout: CapturedOutput,
  stderr: CapturedOutput,
  stopped: boolean,
): ExecutionOutcome {
  const what = stopped
    ? `printed more than the limit of ${stdout.limit} bytes on stdout and was stopped there, with its process group`
    : `printed ${stdout.totalBytes} bytes on stdout, more than the limit of ${stdout.limit} bytes`;
  const said = stderr.totalBytes > 0 ? ` Its ${stderrForMessage(stderr)}` : '';
  return {
    ok: false,
    error: backendError(
      'BACKEND_OUTPUT_TOO_LARGE',
      `${label} ${what}; the output was truncated, so the attempt failed. Raise ${limitKey} or make the ` +
        `backend print less.${said}`,
    ),
    retryable: false,
  };
}

/** Killed at its deadline; retried like the timeout of an internal operation. */
export function timedOut(
  symbol: string,
  label: string,
  timeoutMs: number,
  bound: string,
  stderr: CapturedOutput,
): ExecutionOutcome {
  const said = stderr.totalBytes > 0 ? ` Its ${stderrForMessage(stderr)}` : '';
  return {
    ok: false,
    error: {
      name: 'TaskTimeoutError',
      code: 'TASK_TIMEOUT',
      message:
        `Symbol "${symbol}" timed out after ${timeoutMs} ms on ${label}, which was killed with its process group; ` +
        `raise ${bound} or make the backend faster.${said}`,
    },
    retryable: true,
  };
}

/** Stopped because the attempt was aborted (here, or on a worker thread before or while it ran). */
export function cancelled(reason: unknown): ExecutionOutcome {
  const message =
    reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'the attempt was cancelled';
  return { ok: false, error: { name: 'AbortError', code: 'TASK_CANCELLED', message }, retryable: true };
}
