import { journalError, timeoutErrorOf } from '../attempt-history.ts';
import type { SerializedError } from '../errors.ts';
import type { TransitionRecord } from '../store/types.ts';

/** The attempt and the error a journal row concerns (the history table's last two columns). */
export interface RowConcerns {
  attempt: number | null;
  error: SerializedError | null;
}

/** States after which a task actor has no attempt open that a later row could concern. */
const ATTEMPTS_OVER = new Set(['succeeded', 'cancelled', 'skipped', 'rolled_back', 'rollback_failed']);

/**
 * What each row of a run's journal concerns, read in seq order: its event's own `attempt` and
 * `error`, or for a timeout (XState's `after` event, which carries neither) the attempt the
 * task actor had open and the error its machine recorded. The rows that follow one in the same
 * step (`failed → retrying` after `running → failed`) concern the same. Every row must be
 * seen, filtered out or not, for the attempts to be known; an entry per task with an attempt
 * open is kept, so a long journal is not held.
 */
export class HistoryConcerns {
  private readonly open = new Map<string, { attempt: number; timedOut: { event: string; to: string; error: SerializedError } | null }>();

  see(row: TransitionRecord): RowConcerns {
    const payload = (row.payload ?? {}) as { attempt?: unknown; error?: unknown };
    const attempt = typeof payload.attempt === 'number' ? payload.attempt : null;
    const own = { attempt, error: journalError(payload.error) };
    if (row.actorKind !== 'task') return own;
    const open = this.open.get(row.actorId);
    if (attempt !== null) this.open.set(row.actorId, { attempt, timedOut: null });
    let concerns = own;
    if (attempt === null && open !== undefined && row.event.startsWith('xstate.after.')) {
      const timedOut = timeoutErrorOf(row);
      if (timedOut !== null) {
        open.timedOut = { event: row.event, to: row.to, error: timedOut };
        // A rollback is no attempt of the task's: its rows name none.
        concerns = { attempt: row.from === 'rolling_back' ? null : open.attempt, error: timedOut };
      } else if (open.timedOut !== null && open.timedOut.event === row.event && open.timedOut.to === row.from) {
        // The next row of the same step (the machine's `always` out of `failed`).
        open.timedOut = { ...open.timedOut, to: row.to };
        concerns = { attempt: open.attempt, error: open.timedOut.error };
      }
    }
    if (ATTEMPTS_OVER.has(row.to)) this.open.delete(row.actorId);
    return concerns;
  }
}
