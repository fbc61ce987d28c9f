import { readRowsAfter, readRunJournal } from '../../store/bulk-journal-reader.ts';
import type { SwarmStore, TransitionRecord } from '../../store/types.ts';

/**
 * The journal of the run being time-travelled, kept between requests: dragging the cursor
 * through a 100k-task run asks for its half a million rows at every step, and reading them
 * is half of each step's time. One run is kept (the last asked for); rows committed since are
 * read on the next request; it is dropped after KEEP_MS without a request, so a dispatcher
 * does not hold a big journal for a page closed long ago.
 */
const KEEP_MS = 60_000;

export class JournalCache {
  private kept: { runId: string; rows: TransitionRecord[] } | null = null;
  private expiry: ReturnType<typeof setTimeout> | null = null;

  rows(store: SwarmStore, runId: string): TransitionRecord[] {
    if (this.kept?.runId !== runId) {
      this.kept = { runId, rows: readRunJournal(store, runId, { withTasks: false }).transitions };
    } else {
      const rows = this.kept.rows;
      readRowsAfter(store, runId, rows.at(-1)?.seq ?? 0, (more) => rows.push(...more));
    }
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = setTimeout(() => this.clear(), KEEP_MS);
    // Not a reason to keep the process alive.
    (this.expiry as { unref?: () => void }).unref?.();
    return this.kept.rows;
  }

  clear(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.kept = null;
  }
}
