import type { SwarmLogger } from '../logger.ts';

/**
 * Warnings about what clients do wrong (a worker connection refused or closed for what it
 * sent), at most `perWindow` lines per `windowMs`: whoever opens connections by the thousand
 * cannot fill the dispatcher's log with them. What is left out is counted, and said in one
 * line when its window ends.
 */
export class ThrottledWarnings {
  private windowStart = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private dropped = 0;
  private summary: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly log: SwarmLogger,
    /** What the lines are about, for the summary: "warnings about worker connections". */
    private readonly what: string,
    private readonly perWindow = 20,
    private readonly windowMs = 60_000,
  ) {}

  warn(fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.sayDropped();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < this.perWindow) {
      this.logged++;
      this.log.warn(fields, message);
      return;
    }
    this.dropped++;
    if (this.summary === null) {
      const timer = setTimeout(() => this.sayDropped(), Math.max(0, this.windowStart + this.windowMs - now));
      // A summary due must not keep a stopping process alive.
      timer.unref?.();
      this.summary = timer;
    }
  }

  /** Says what was left out now, and schedules nothing more (the server is stopping). */
  close(): void {
    this.sayDropped();
  }

  private sayDropped(): void {
    if (this.summary !== null) clearTimeout(this.summary);
    this.summary = null;
    if (this.dropped === 0) return;
    const seconds = Math.round(this.windowMs / 1000);
    this.log.warn(
      { notLogged: this.dropped },
      `${this.dropped} more ${this.what} in ${seconds} s were not logged (at most ${this.perWindow} lines every ${seconds} s)`,
    );
    this.dropped = 0;
  }
}
