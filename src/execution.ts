import type { SerializedError } from './errors.ts';
import type { DispatchTarget, SymbolContext, SymbolType } from './manifest/types.ts';

/**
 * What a node is asked to run and what it answers, whether the node is a local thread, a
 * remote worker or (through them) an external backend process. Plain JSON both ways so it
 * crosses threads and sockets unchanged.
 */
export interface ExecutionRequest {
  runId: string;
  /** The task's symbol name (for a rollback: the failed symbol it compensates). */
  task: string;
  attempt: number;
  /** `run` executes the symbol; `rollback` executes its rollback symbol. */
  kind: 'run' | 'rollback';
  symbol: {
    name: string;
    type: SymbolType;
    context: SymbolContext;
    dispatch: DispatchTarget;
    parameters: Record<string, unknown>;
    timeout: number;
  };
  /** Outputs of the task's dependencies, by symbol name. */
  dependencies: Record<string, unknown>;
  /** Directory of the manifest file, for operations that load files relative to it. */
  baseDir: string | null;
}

export type ExecutionOutcome =
  | { ok: true; output: unknown }
  /** `retryable: false` when another attempt cannot help (bad parameters, no such backend). */
  | { ok: false; error: SerializedError; retryable: boolean };

/** A key that names one attempt of one task everywhere (threads, sockets, logs). */
export function attemptKey(request: Pick<ExecutionRequest, 'runId' | 'task' | 'attempt' | 'kind'>): string {
  return `${request.runId}/${request.task}/${request.kind}/${request.attempt}`;
}
