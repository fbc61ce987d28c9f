/**
 * When to serve a replacement for a lost worker thread. A thread lost after it reported (it
 * sends an empty report as it begins to serve) worked, and something it ran ended it (a crash,
 * a termination after an abort): a replacement starts at once. A thread lost before that may
 * not be able to start at all (its entry module fails to load: a broken install, or no memory
 * for a thread). Replacing it at once, forever, spun a core while the run waited with no word
 * of why. So such losses come in rounds: the first waits FIRST_RETRY_MS before the next try,
 * each later round twice as long, and losses before a round's try (threads started together,
 * piscina's own replacements) belong to that round. At MAX_FAILED_STARTS rounds in a row the
 * node gives up and says why.
 */
export const MAX_FAILED_STARTS = 3;
const FIRST_RETRY_MS = 100;

export type Restart = { giveUp: false; delayMs: number } | { giveUp: true };

export class ThreadRestarts {
  private rounds = 0;
  /** When the current round's try comes: losses before it are of this round. */
  private retryAt = -Infinity;

  constructor(private readonly now: () => number) {}

  /** A thread was lost; `reported` says whether it had reported anything. */
  lost(reported: boolean): Restart {
    if (reported) {
      this.reported();
      return { giveUp: false, delayMs: 0 };
    }
    const now = this.now();
    if (now < this.retryAt) return { giveUp: false, delayMs: this.retryAt - now };
    this.rounds++;
    if (this.rounds >= MAX_FAILED_STARTS) return { giveUp: true };
    const delayMs = FIRST_RETRY_MS * 2 ** (this.rounds - 1);
    this.retryAt = now + delayMs;
    return { giveUp: false, delayMs };
  }

  /** A thread reported: threads start again. */
  reported(): void {
    this.rounds = 0;
    this.retryAt = -Infinity;
  }
}
