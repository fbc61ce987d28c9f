/**
 * When to serve a replacement for a lost worker thread. A thread lost after it had reported
 * something worked, and something it ran ended it (a crash, a termination after an abort): a
 * replacement starts at once. A thread lost before it reported anything may not be able to
 * start at all (its entry module fails to load: a broken install, or no memory for a thread);
 * replacing it at once, forever, spun a core while the run waited with no word of why. So
 * each such loss in a row waits twice as long as the last, and after MAX_FAILED_STARTS in a
 * row the node gives up and says why.
 */
export const MAX_FAILED_STARTS = 3;
const FIRST_RETRY_MS = 100;

export type Restart = { giveUp: false; delayMs: number } | { giveUp: true };

export class ThreadRestarts {
  private failedStarts = 0;

  /** A thread was lost; `reported` says whether it had reported anything. */
  lost(reported: boolean): Restart {
    if (reported) {
      this.failedStarts = 0;
      return { giveUp: false, delayMs: 0 };
    }
    this.failedStarts++;
    if (this.failedStarts >= MAX_FAILED_STARTS) return { giveUp: true };
    return { giveUp: false, delayMs: FIRST_RETRY_MS * 2 ** (this.failedStarts - 1) };
  }

  /** A thread reported: threads start again. */
  reported(): void {
    this.failedStarts = 0;
  }
}
