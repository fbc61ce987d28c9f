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

/**
 * A full collection while a big manifest's symbols as read are replaced by their parsed form
 * (schema-parse.ts): the ones replaced are old garbage that only a full collection frees, and
 * the engine would not run one before the heap had grown by the whole parsed copy. Measured on
 * a 1,000,000-symbol YAML file, one every 250,000 symbols (~0.1 s each): its load's peak RSS
 * 888 → 723 MB, in the same time.
 */
export function collectConsumedGarbage(): void {
  Bun.gc(true);
}

/** Tasks from which a run starts after a full collection. */
const BIG_RUN_TASKS = 50_000;

/**
 * A full collection before a big run is recorded: what reading its manifest left (the parsed
 * document, the schema's copies) is garbage by then, but it is old, so only a full collection
 * frees it, and recording a million tasks would otherwise pile up on top of it. Measured on a
 * 1,000,000-symbol YAML file run from the command line: peak RSS 1.52 GB without it.
 */
export function collectBeforeRecordingBigRun(tasks: number): void {
  if (tasks >= BIG_RUN_TASKS) Bun.gc(true);
}

/**
 * A full collection, once, just after a run of BIG_RUN_TASKS or more has started (deployed,
 * replayed, resumed or rolled back): in the next turn of the event loop, when the deploying
 * code has returned and let go of the manifest it read (the run holds its symbols packed,
 * actors/run-symbols.ts). It pauses the whole main thread, other runs too, for a time that
 * grows with the live heap: once per big run. JavaScriptCore starts its next full collection
 * when the heap has about doubled since the last one; left alone, the last one falls while the
 * manifest is being read, or while it is still held, and the run's heap doubles from that
 * bloated size. Measured on a 1,000,000-task fan-out: peak RSS 1.55 GB without a collection,
 * 1.19 GB with one before the run started (the manifest still held); ~200 ms.
 */
export function collectSoonAfterBigRunStarts(tasks: number): void {
  if (tasks >= BIG_RUN_TASKS) setImmediate(() => Bun.gc(true));
}
