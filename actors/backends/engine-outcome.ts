import type { ExecutionOutcome } from '../../src/execution.ts';
import { checkedOutcome } from '../../src/task-output.ts';
import { backendError, cancelled, stderrForMessage, timedOut } from './backend-outcome.ts';
import type { CapturedOutput } from './capped-output.ts';
import type { EngineReply } from './warm-engine.ts';

/**
 * How one warm engine's reply reads as the attempt's outcome: the same codes and retry rules as
 * a process-mode attempt (backend-outcome.ts), so a symbol fails the same way in either mode.
 */

export interface ReplyContext {
  /** "php_engine (php)": which backend and program. */
  label: string;
  /** "engine php_engine-3 (pid 1234)". */
  engine: string;
  symbol: string;
  timeoutMs: number;
  /** Which setting bounded the timeout, for the message. */
  timeoutBound: string;
  /** `backends.X.max_output_size`. */
  limitKey: string;
  limit: number;
  abortReason: unknown;
}

export function replyOutcome(reply: EngineReply, c: ReplyContext): ExecutionOutcome {
  switch (reply.kind) {
    case 'answer': {
      const { answer } = reply;
      if (answer.ok) return checkedOutcome({ ok: true, output: answer.output }, c.label);
      return {
        ok: false,
        error: backendError('BACKEND_FAILED', `${c.label} failed the request on ${c.engine}: ${answer.error}${stderrPart(reply.stderr)}`),
        retryable: true,
      };
    }
    case 'too-large':
      // Not retryable, as in process mode: the same request gives the same answer again.
      return {
        ok: false,
        error: backendError(
          'BACKEND_OUTPUT_TOO_LARGE',
          // The line's whole size is not known: it is dropped unread past the limit.
          `${c.label} answered on ${c.engine} with a line longer than the limit of ${c.limit} bytes; the answer was ` +
            `cut, so the attempt failed and the engine was replaced. Raise ${c.limitKey} or make the backend answer with less.`,
        ),
        retryable: false,
      };
    case 'protocol':
      return {
        ok: false,
        error: backendError(
          'BACKEND_PROTOCOL_ERROR',
          `${c.label} broke the engine protocol on ${c.engine}: ${reply.problem}; the engine was replaced. A warm engine ` +
            `answers each request with one JSON line {"id", "ok", "output" | "error"} on stdout and logs on stderr.` +
            stderrPart(reply.stderr),
        ),
        retryable: true,
      };
    case 'exited': {
      const how = reply.signalCode !== null ? `was killed by signal ${reply.signalCode}` : `exited with code ${reply.exitCode}`;
      return {
        ok: false,
        error: backendError('BACKEND_FAILED', `${c.label}: ${c.engine} ${how} before it answered; ${stderrForMessage(reply.stderr)}`),
        retryable: true,
      };
    }
    case 'timeout':
      return timedOut(c.symbol, `${c.label} (${c.engine})`, c.timeoutMs, c.timeoutBound, reply.stderr);
    case 'aborted':
      return cancelled(c.abortReason);
  }
}

/** The request's stderr, when there was any, for a failure's message. */
function stderrPart(stderr: CapturedOutput): string {
  return stderr.totalBytes > 0 ? `; ${stderrForMessage(stderr)}` : '';
}
