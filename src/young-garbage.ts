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
