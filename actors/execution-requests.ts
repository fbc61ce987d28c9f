import type { ExecutionRequest } from '../src/execution.ts';
import type { SymbolSpec } from '../src/manifest/types.ts';

/** Builds the request for one attempt of a symbol, with its dependencies' outputs. */
export function runRequest(
  runId: string,
  spec: SymbolSpec,
  attempt: number,
  dependencies: Record<string, unknown>,
  baseDir: string | null,
): ExecutionRequest {
  return {
    runId,
    task: spec.name,
    attempt,
    kind: 'run',
    symbol: {
      name: spec.name,
      type: spec.type,
      context: spec.context,
      dispatch: spec.dispatch,
      parameters: spec.parameters,
      timeout: spec.timeout,
    },
    dependencies,
    baseDir,
  };
}

/**
 * Builds the request for a symbol's rollback. Its dependencies include the symbol's own
 * output under the symbol's name (null when it never succeeded), so a compensation can
 * restore what the symbol reported it changed.
 */
export function rollbackRequest(
  runId: string,
  spec: SymbolSpec,
  attempt: number,
  dependencies: Record<string, unknown>,
  ownOutput: unknown,
  baseDir: string | null,
): ExecutionRequest {
  const rollback = spec.rollback!;
  return {
    runId,
    task: spec.name,
    attempt,
    kind: 'rollback',
    symbol: {
      name: rollback.name,
      type: rollback.type,
      context: rollback.context,
      dispatch: rollback.dispatch,
      parameters: rollback.parameters,
      timeout: rollback.timeout,
    },
    dependencies: { ...dependencies, [spec.name]: ownOutput ?? null },
    baseDir,
  };
}
