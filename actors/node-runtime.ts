import type { ExecutionOutcome, ExecutionRequest } from '../src/execution.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';

/** Where a node reports what became of one request it was given. */
export interface AttemptSink {
  /** The request reached the node and is executing. */
  started(): void;
  finished(outcome: ExecutionOutcome): void;
  /**
   * The node gives the request back unstarted: it never ran there and never will, so it may go
   * to another node. Only a run attempt's sink has it; a request whose sink lacks it is never
   * given back.
   */
  returned?(): void;
}

/** Whether a node may give a request back unstarted: a run attempt whose sink takes it back. */
export function mayGiveBack(request: ExecutionRequest, sink: AttemptSink): boolean {
  return request.kind === 'run' && sink.returned !== undefined;
}

/**
 * What the scheduler needs from a node, local or remote: what it can run, how many more
 * requests it takes now, and a way to run and abort them. Each node also owns a node actor
 * (machines/node-machine.ts) whose transitions land in the journal.
 */
export interface NodeRuntime {
  readonly id: string;
  readonly capabilities: ReadonlySet<DispatchTarget>;
  readonly capacity: number;
  /**
   * How many more requests (for `target`, or any) the node takes now. A node that holds work
   * ahead (see quick-streak.ts) may report more than its capacity.
   */
  freeSlots(target?: DispatchTarget): number;
  /** Attempts handed to the node and not ended (running, or held ahead): what status shows as its slots taken. */
  attemptsHeld(): number;
  execute(request: ExecutionRequest, sink: AttemptSink): void;
  /** Stops an attempt started with execute; its sink still gets `finished` once it has stopped. */
  abort(key: string, reason: string): void;
  /** Waits for running requests to finish, then releases the node's resources. */
  close(): Promise<void>;
}
