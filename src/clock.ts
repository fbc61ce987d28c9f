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
