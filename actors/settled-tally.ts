import type { SettledTask } from '../src/messages.ts';
import type { TaskStatus } from '../src/store/types.ts';

/** How long a settled task may wait before the coordinator counts it (the stored run row lags by this). */
export const TALLY_DELAY_MS = 100;
/** Tells once this many wait (a burst that ends a run is journaled: it stays small; one settling of many, a cancel's, is one burst). */
export const TALLY_MAX = 512;

/**
 * Settled tasks on their way to the coordinator's counts. Counting one is a coordinator event (an
 * XState transition, ~20 µs) and a write of the run's row in the next commit (a page of the WAL),
 * and in a chain that was every step. Only the counts reaching the total change the coordinator's
 * state, and that can happen only once no task is live, so tasks are told as a burst then, or when
 * `TALLY_MAX` wait, or `TALLY_DELAY_MS` after the first of them, whichever comes first. The
 * journal keeps every state change: the bursts that are not told change counts only, and those
 * are rebuilt from the tasks' rows (the re-simulation delivers settlements in bursts of any size).
 * A resumed run counts its tasks from the store, so a burst lost in a crash costs nothing.
 */
export class SettledTally {
  private waiting: SettledTask[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly tell: (settled: SettledTask[]) => void) {}

  /** Tasks just settled; `nothingLive`: the run has no live task left, so it may be ending. */
  add(settled: readonly SettledTask[], nothingLive: boolean): void {
    if (this.stopped) return;
    for (const s of settled) this.waiting.push(s);
    if (nothingLive || this.waiting.length >= TALLY_MAX) {
      this.flush();
      return;
    }
    // A real timer, not the run's clock: this paces a write, it decides nothing.
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, TALLY_DELAY_MS);
  }

  /** Tells the coordinator every waiting task now (before any other event it gets, to keep order). */
  flush(): void {
    this.cancelTimer();
    if (this.waiting.length === 0) return;
    const settled = this.waiting;
    this.waiting = [];
    this.tell(settled);
  }

  /** Settled tasks the coordinator has not counted yet. */
  get size(): number {
    return this.waiting.length;
  }

  /** Adds the waiting tasks to counts by status (the coordinator's own, copied). */
  countInto(byStatus: Partial<Record<TaskStatus, number>>): Partial<Record<TaskStatus, number>> {
    for (const { status } of this.waiting) byStatus[status] = (byStatus[status] ?? 0) + 1;
    return byStatus;
  }

  /** Drops what waits and tells nothing more: the coordinator is gone (the run ended or was given up). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.waiting = [];
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
