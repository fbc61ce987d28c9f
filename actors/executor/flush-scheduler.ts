/** Microtask runs in one event-loop turn before the next waits for a setImmediate. */
const MICROTASK_RUNS_PER_TURN = 4;

/**
 * Runs `flush` soon after it is asked for, once however often it is asked meanwhile.
 *
 * A microtask: what one task of the event loop hands out (a report's freed slots refilled, a
 * commit's released dependents, one scheduler pump) leaves as one message per thread, without
 * the extra loop turn a setImmediate costs every step of a chain. But the threads answer
 * within microseconds, and their reports can keep the loop busy with no turn for timers and
 * sockets (HTTP, heartbeats): after a few runs in one turn, the next waits for the next turn.
 */
export class FlushScheduler {
  private queued = false;
  /** Runs since the loop last reached its check phase. */
  private runsThisTurn = 0;
  private resetQueued = false;

  constructor(private readonly flush: () => void) {}

  request(): void {
    if (this.queued) return;
    this.queued = true;
    if (this.runsThisTurn++ < MICROTASK_RUNS_PER_TURN) queueMicrotask(this.run);
    else setImmediate(this.run);
    if (!this.resetQueued) {
      this.resetQueued = true;
      setImmediate(() => {
        this.runsThisTurn = 0;
        this.resetQueued = false;
      });
    }
  }

  private readonly run = (): void => {
    this.queued = false;
    this.flush();
  };
}
