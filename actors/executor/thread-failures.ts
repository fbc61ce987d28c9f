import type { ExecutionOutcome } from '../../src/execution.ts';
import { MAX_FAILED_STARTS } from './thread-restarts.ts';

type FailedOutcome = Extract<ExecutionOutcome, { ok: false }>;

/**
 * The outcome of an attempt whose thread died while running it: retryable, since the attempt
 * may have run, at least once, but failed here (see LocalThreadNode.onThreadLost).
 */
export function threadCrashed(error: { message: string; stack?: string }): FailedOutcome {
  return {
    ok: false,
    retryable: true,
    error: {
      name: 'WorkerCrashedError',
      code: 'WORKER_CRASHED',
      message: `the worker thread running this attempt stopped: ${error.message}`,
      ...(error.stack ? { stack: error.stack } : {}),
    },
  };
}

/** The outcome of everything a node is given once its threads cannot start (see ThreadRestarts). */
export function threadsCannotStart(cause: string): FailedOutcome {
  const message =
    `the worker threads stop as they start (tried ${MAX_FAILED_STARTS} times): ${cause}. ` +
    'This node takes no more work: reinstall (npm ci), or check the memory free for threads, then start it again.';
  return { ok: false, retryable: false, error: { name: 'WorkerCrashedError', code: 'WORKER_CRASHED', message } };
}
