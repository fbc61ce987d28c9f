/**
 * Time as the runtime sees it. XState schedules its delays (timeouts, retry backoff) through a
 * clock of this shape, and the runtime's own timers use the same one, so a test can drive all
 * of them with XState's SimulatedClock.
 */
export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

export const systemClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
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
