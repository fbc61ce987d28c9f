import type { RunGraph } from '../src/scheduling/run-graph.ts';

/**
 * The outputs of a run's succeeded tasks, kept only while a dependent still needs them: each
 * request carries its dependencies' outputs, and a 100k-task run must not hold 100k of them.
 * An output is dropped once every dependent of its task has settled.
 */
export class TaskOutputs {
  private readonly outputs = new Map<number, unknown>();
  /** Dependents of each task not settled yet. */
  private readonly unsettledDependents: Int32Array;

  constructor(private readonly graph: RunGraph) {
    this.unsettledDependents = new Int32Array(graph.size);
    for (let i = 0; i < graph.size; i++) this.unsettledDependents[i] = graph.dependentCount(i);
  }

  /** Task i succeeded with `output`: kept if a dependent has yet to settle. */
  succeeded(i: number, output: unknown): void {
    if (this.unsettledDependents[i] > 0) this.outputs.set(i, output);
  }

  /** Keeps `output` whatever its dependents did (a compensation's requests need every one). */
  keep(i: number, output: unknown): void {
    this.outputs.set(i, output);
  }

  /** Task i settled: its dependencies' outputs are dropped once no dependent needs them. */
  settled(i: number): void {
    for (const d of this.graph.dependenciesOf(i)) {
      if (--this.unsettledDependents[d] === 0) this.outputs.delete(d);
    }
  }

  /** Task i's dependencies' outputs, by symbol name (null for one not kept). */
  dependenciesOf(i: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const d of this.graph.dependenciesOf(i)) out[this.graph.names.nameOf(d)] = this.outputs.get(d) ?? null;
    return out;
  }
}
