import { serializeError } from '../../src/errors.ts';
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../../src/execution.ts';
import { checkedOutcome } from '../../src/task-output.ts';
import { isInternalOperation, operationOf } from '../../src/internal-operations.ts';
import type { HostServices } from './thread-protocol.ts';
import { OPERATIONS } from './operations/index.ts';

/**
 * Runs one request inside a worker thread and never throws: every failure becomes an
 * outcome with the error flattened to {name, code, message, stack}.
 */
export async function executeRequest(
  request: ExecutionRequest,
  signal: AbortSignal,
  host: HostServices,
  report: { began: () => void; now: () => void; soon: () => void },
): Promise<ExecutionOutcome> {
  const { symbol } = request;
  if (symbol.dispatch !== 'internal') {
    return notRetryable(
      `dispatch "${symbol.dispatch}" cannot run in a worker thread; only "internal" operations can.`,
    );
  }
  const op = operationOf(symbol);
  if (!isInternalOperation(op)) return notRetryable(`unknown internal operation "${op}"`);
  const { operation: _selector, ...parameters } = symbol.parameters;
  // The module operation marks this itself, just before the module's function runs: its import
  // is the thread's, not the attempt's (done again on whichever thread runs it next).
  if (op !== 'module') report.began();
  try {
    const output = await OPERATIONS[op]({
      request,
      attemptKey: attemptKey(request),
      parameters,
      signal,
      host,
      began: report.began,
      reportNow: report.now,
      reportSoon: report.soon,
    });
    return checkedOutcome({ ok: true, output: output === undefined ? null : output }, `Symbol "${symbol.name}"`, true);
  } catch (err) {
    return { ok: false, error: serializeError(signal.aborted ? signal.reason ?? err : err), retryable: true };
  }
}

function notRetryable(message: string): ExecutionOutcome {
  return { ok: false, error: { name: 'ExecutionError', code: 'OPERATION_FAILED', message }, retryable: false };
}
