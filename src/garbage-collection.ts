/**
 * Collections asked for at the few points where a big run makes garbage faster than the engine
 * paces its collector. Bun-specific (`Bun.gc`), as the runtime is.
 */

/**
 * A young-generation collection, for the few long synchronous loops over a whole big run
 * (validating a million-symbol manifest, writing its million task rows). The engine paces its
 * collector by what the JS heap grows, and in such a loop the garbage of each step (bound
 * values, parse results, argument lists) piled up by hundreds of MB before it ran, measured:
 * the process's RSS high-water mark is set there. An eden collection touches only new objects,
 * so it costs milliseconds even beside a large heap.
 */
export function collectYoungGarbage(): void {
  Bun.gc(false);
}

/** Tasks from which a run starts after a full collection. */
const BIG_RUN_TASKS = 50_000;

/**
 * A full collection, once, when a run of BIG_RUN_TASKS or more has been read and recorded and
 * is about to start (deployed, replayed, resumed or rolled back). It pauses the whole main
 * thread, other runs too, for a time that grows with the live heap: once per big run.
 * JavaScriptCore starts its next full collection when the heap has about doubled since the
 * last one; left alone, the last one falls in the middle of reading the manifest, so the run's
 * heap doubles from that bloated size. Measured on a 1,000,000-task fan-out: peak RSS 1.55 GB
 * without it, 1.19 GB with it; the collection itself takes ~200 ms, and gives the pages of
 * the manifest's parse back to the system.
 */
export function collectBeforeBigRun(tasks: number): void {
  if (tasks >= BIG_RUN_TASKS) Bun.gc(true);
}
