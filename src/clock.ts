/**
 * Time as the runtime sees it. XState schedules its delays (timeouts, retry backoff) through a
 * clock of this shape, and the runtime's own timers use the same one, so a test can drive all
 * of them with XState's SimulatedClock.
 */
export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

/** How late a timer must fire to count as having slept through a stall of this process. */
export const STALLED_TIMER_MS = 100;

/** A timer of systemClock: the pending timeout, which a late one replaces once. */
class SystemTimer {
  constructor(public id: ReturnType<typeof setTimeout>) {}
}

/**
 * The real clock, wary of its own stalls. When this process was not running (SIGSTOP, a paused
 * VM, a loop blocked for a while), every deadline that passed meanwhile fires on waking, before
 * the event loop reads what arrived meanwhile: the results of worker processes and backends,
 * waiting in their sockets and pipes. A deadline judged then would fail work that was done in
 * time (a task's timeout, an acknowledgement deadline). So a timer that fires more than
 * STALLED_TIMER_MS late runs its function one timer turn later, after pending I/O and thread
 * messages are read (in Bun a zero-delay timer set from a timer runs after them), and can
 * still be cleared until then.
 */
export const systemClock: Clock = {
  setTimeout: (fn, ms) => {
    const due = Date.now() + ms;
    const timer: SystemTimer = new SystemTimer(
      setTimeout(() => {
        if (Date.now() - due > STALLED_TIMER_MS) timer.id = setTimeout(fn, 0);
        else fn();
      }, ms),
    );
    return timer;
  },
  clearTimeout: (timer) => {
    if (timer instanceof SystemTimer) clearTimeout(timer.id);
  },
};

/**
 * Whether `promise` settles (either way) within `ms` on `clock`; the timer is cleared either
 * way. For bounded waits: a stop that waits this long at most, then acts on what is left.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number, clock: Clock = systemClock): Promise<boolean> {
  let timer: unknown = null;
  const late = new Promise<false>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), ms);
  });
  try {
    const inTime = promise.then(
      () => true,
      () => true,
    );
    return await Promise.race([inTime, late]);
  } finally {
    clock.clearTimeout(timer);
  }
}
