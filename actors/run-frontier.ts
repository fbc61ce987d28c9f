import type { TaskMessage } from '../src/messages.ts';
import { SortedBatchHeap } from '../src/scheduling/sorted-batch-heap.ts';

/** Ready actors kept beyond the swarm's slots, so a freed slot never waits for an activation. */
const READY_MARGIN = 64;
/** Skipped or cancelled tasks settled per event-loop turn. */
const NEVER_RUN_CHUNK = 1_000;

/**
 * Decides when a run's tasks become actors. Memory follows the frontier, not the run: tasks
 * whose dependencies are done wait here as plain indexes, in priority order, and are
 * activated only while the ready queue is shorter than the swarm's slots plus a margin — a
 * 100k-task fan-out holds about a hundred actors, not 100k. Tasks that will never run
 * (skipped below a failure, or cancelled) are activated a chunk per event-loop turn: they
 * settle at once, and all of them at once would both hold 100k actors and block the loop.
 */
export class RunFrontier {
  private readonly runnable: SortedBatchHeap<number>;
  private ready = 0;
  private halted = false;
  private readonly neverRun: { indexes: number[]; message: TaskMessage; next: number }[] = [];

  constructor(
    priorities: ArrayLike<number>,
    priorityOrdered: boolean,
    /** The swarm's total slots right now. */
    private readonly capacity: () => number,
    /** Creates task i's actor and sends it `message`. */
    private readonly activate: (i: number, message: TaskMessage) => void,
    /** What a runnable task is told first: usually depsMet; reuse or recover in a replay or resume. */
    private readonly runnableMessage: (i: number) => TaskMessage,
  ) {
    this.runnable = priorityOrdered
      ? new SortedBatchHeap<number>((a, b) => priorities[a] > priorities[b] || (priorities[a] === priorities[b] && a < b))
      : new SortedBatchHeap<number>((a, b) => a < b);
  }

  /** Tasks whose dependencies all succeeded; the frontier may keep the array (not to be changed after). */
  addRunnable(indexes: readonly number[]): void {
    this.runnable.pushAll(indexes);
    this.topUp();
  }

  /** A task entered `ready` (activated, or back from a retry). */
  readyEntered(): void {
    this.ready++;
  }

  /** A task left `ready` (assigned, cancelled, failed before an attempt). */
  readyLeft(): void {
    this.ready--;
    this.topUp();
  }

  /** Tasks that will never run, to be activated with `message` (skip or cancel) in chunks. */
  settleNeverRun(indexes: number[], message: TaskMessage): void {
    if (indexes.length === 0 || this.halted) return;
    this.neverRun.push({ indexes, message, next: 0 });
    if (this.neverRun.length === 1) setImmediate(() => this.drainNeverRun());
  }

  /** Stops activating runnable tasks and returns them (manifest order), e.g. to cancel them. */
  takeRunnable(): number[] {
    const out: number[] = [];
    for (let i = this.runnable.pop(); i !== undefined; i = this.runnable.pop()) out.push(i);
    return out.sort((a, b) => a - b);
  }

  /** Stops everything: no more activations of any kind. */
  halt(): void {
    this.halted = true;
    this.neverRun.length = 0;
  }

  private topUp(): void {
    if (this.halted) return;
    const wanted = this.capacity() + READY_MARGIN;
    // activate() runs the actor into `ready` synchronously, so readyEntered has counted it.
    while (this.ready < wanted && this.runnable.size > 0) {
      const i = this.runnable.pop()!;
      this.activate(i, this.runnableMessage(i));
    }
  }

  private drainNeverRun(): void {
    let budget = NEVER_RUN_CHUNK;
    while (budget > 0 && this.neverRun.length > 0) {
      const batch = this.neverRun[0];
      const end = Math.min(batch.indexes.length, batch.next + budget);
      for (let k = batch.next; k < end; k++) this.activate(batch.indexes[k], batch.message);
      budget -= end - batch.next;
      batch.next = end;
      if (end === batch.indexes.length) this.neverRun.shift();
    }
    if (this.neverRun.length > 0) setImmediate(() => this.drainNeverRun());
  }
}
