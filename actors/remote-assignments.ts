import type { Clock } from '../src/clock.ts';
import type { ExecutionRequest } from '../src/execution.ts';
import type { Lease } from '../src/protocol/index.ts';
import type { AttemptSink } from './node-runtime.ts';

export interface Assignment {
  request: ExecutionRequest;
  sink: AttemptSink;
  lease: Lease;
  /** The deadline for `started`, once the worker has a slot for it (see `add`). */
  ackTimer: unknown;
  /** Counted as started: the worker said so, or listed it in a reconnect's `resume`. */
  started: boolean;
  /** Carried over from the worker's previous connection (its sink already heard `started`). */
  adopted?: boolean;
  /** An abort was sent: its task's calls into the host are refused from now on. */
  aborted?: boolean;
}

/**
 * A remote worker's assignments in flight, by attempt key, and the deadline for each one's
 * `started`. One held beyond the worker's slots cannot start before a slot frees there, so
 * its deadline starts then, not when it was sent: those wait in `awaitingSlot`, oldest first.
 */
export class RemoteAssignments {
  private readonly byKey = new Map<string, Assignment>();
  private readonly awaitingSlot: string[] = [];

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
    private readonly ackDeadlineMs: number,
    /** The worker did not say `started` in time. */
    private readonly onAckTimeout: (key: string, assignment: Assignment) => void,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): Assignment | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** How many of them are for `target` (runs and rollbacks alike: both take its engine). */
  countFor(target: ExecutionRequest['symbol']['dispatch']): number {
    let n = 0;
    for (const assignment of this.byKey.values()) if (assignment.request.symbol.dispatch === target) n++;
    return n;
  }

  /** A copy: callers remove entries while they go through it. */
  entries(): [string, Assignment][] {
    return [...this.byKey];
  }

  add(key: string, assignment: Assignment): void {
    if (!assignment.started) {
      if (this.byKey.size < this.capacity) this.armAck(key, assignment);
      else this.awaitingSlot.push(key);
    }
    this.byKey.set(key, assignment);
  }

  /** The worker said `started`: no deadline any more. */
  started(assignment: Assignment): void {
    this.clock.clearTimeout(assignment.ackTimer);
    assignment.started = true;
  }

  /**
   * Done with it. A started one freed a slot: the oldest assignment waiting for one has its
   * deadline from now. One that never started leaves the queue (its attempt number may come
   * back with the task's next assignment, which must not inherit a stale place).
   */
  remove(key: string, assignment: Assignment): void {
    this.clock.clearTimeout(assignment.ackTimer);
    this.byKey.delete(key);
    if (assignment.started) {
      this.armNextAwaitingSlot();
    } else {
      const waiting = this.awaitingSlot.indexOf(key);
      if (waiting >= 0) this.awaitingSlot.splice(waiting, 1);
    }
  }

  /** Handed to another connection's bridge: removed without arming anything here. */
  release(key: string, assignment: Assignment): void {
    this.clock.clearTimeout(assignment.ackTimer);
    this.byKey.delete(key);
  }

  private armAck(key: string, assignment: Assignment): void {
    assignment.ackTimer = this.clock.setTimeout(() => this.onAckTimeout(key, assignment), this.ackDeadlineMs);
  }

  private armNextAwaitingSlot(): void {
    while (this.awaitingSlot.length > 0) {
      const key = this.awaitingSlot.shift()!;
      const assignment = this.byKey.get(key);
      if (!assignment || assignment.started || assignment.ackTimer !== null) continue;
      this.armAck(key, assignment);
      return;
    }
  }
}
