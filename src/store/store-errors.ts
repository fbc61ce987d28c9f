import { SwarmError } from '../errors.ts';

/**
 * A task patch named a task its (existing) run does not have. The shared ErrorCode union has no
 * task-specific code, so this reuses RUN_NOT_FOUND: the caller referred to run state that isn't there.
 */
export class TaskNotFoundError extends SwarmError {
  override name = 'TaskNotFoundError';
  constructor(runId: string, taskName: string) {
    super('RUN_NOT_FOUND', `Run "${runId}" has no task "${taskName}"; see its tasks with \`swarm show ${runId}\`.`);
  }
}

/** Using a store after `close()`: a bug in the caller's lifecycle handling. */
export function storeClosedError(location: string): Error {
  return new Error(`The state store at ${location} is closed; open a new one to use it again.`);
}

/**
 * A write the store refused (disk full, I/O error, a lock held too long), as the error the
 * CLI maps to exit 3. Errors that already are SwarmErrors pass through unchanged.
 */
export function storeWriteError(location: string, cause: unknown): SwarmError {
  if (cause instanceof SwarmError) return cause;
  return new SwarmError(
    'STORE_UNAVAILABLE',
    `The state database at ${location} refused a write: ${cause instanceof Error ? cause.message : String(cause)}. ` +
      'Check the disk and the file (and that no other process holds a long write lock), then try again.',
    { cause },
  );
}
