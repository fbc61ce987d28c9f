import { taskNames, type TaskNames } from './task-names.ts';

/**
 * The dependency graph of one run, by task index (manifest order). Pure bookkeeping: which
 * tasks may start now, and which can never start because something upstream did not succeed.
 * Kept as flat arrays because a run may hold 100k tasks and only a small frontier of them is
 * ever alive as an actor.
 */
export interface GraphSymbol {
  name: string;
  dependencies: readonly string[];
}

const NONE = new Int32Array(0);

export class RunGraph {
  readonly size: number;
  readonly names: TaskNames;
  /** Task index by name; dropped by `forgetNameIndex` (a million names hold ~38 MB) and built again if asked. */
  private indexByName: Map<string, number> | null;
  /**
   * The symbols as given, until `forgetNameIndex`: the index is built from their own names
   * while they are alive, as a packed run's names would each be a new string (a second copy).
   */
  private symbolsAsGiven: readonly GraphSymbol[] | null;
  /**
   * Edges in compressed rows: task i's dependencies are dependencyList[dependencyStart[i] ..
   * dependencyStart[i + 1]], and likewise its dependents. Two typed arrays per direction instead
   * of an array per task: a 1M-task run would otherwise hold 2M small arrays (~230 MB).
   */
  private readonly dependencyStart: Int32Array;
  private readonly dependencyList: Int32Array;
  private readonly dependentStart: Int32Array;
  private readonly dependentList: Int32Array;
  /** Dependencies of each task that have not succeeded yet. */
  private readonly waitingOn: Int32Array;
  /** 1 once the task's fate is decided here: released to run, or blocked for good. */
  private readonly decided: Uint8Array;

  constructor(symbols: readonly GraphSymbol[]) {
    const size = symbols.length;
    this.size = size;
    this.names = taskNames(symbols);
    // Built when first asked (a dependency below, a resumed run's tasks): a fan-out never is.
    this.indexByName = null;
    this.symbolsAsGiven = symbols;
    this.dependencyStart = new Int32Array(size + 1);
    let edges = 0;
    for (let i = 0; i < size; i++) edges += symbols[i].dependencies.length;
    const dependencyList = new Int32Array(edges);
    const dependentCount = new Int32Array(size + 1);
    edges = 0;
    for (let i = 0; i < size; i++) {
      this.dependencyStart[i] = edges;
      const first = edges;
      for (const name of symbols[i].dependencies) {
        const d = this.index(name);
        // A dependency listed twice counts once (validation refuses it; code may not).
        if (listedBetween(dependencyList, first, edges, d)) continue;
        dependencyList[edges++] = d;
        dependentCount[d + 1]++;
      }
    }
    this.dependencyStart[size] = edges;
    this.dependencyList = dependencyList.slice(0, edges);
    // Dependents: counting sort of the same edges by their dependency.
    for (let i = 0; i < size; i++) dependentCount[i + 1] += dependentCount[i];
    this.dependentStart = dependentCount.slice();
    this.dependentList = new Int32Array(edges);
    this.waitingOn = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const from = this.dependencyStart[i];
      const to = this.dependencyStart[i + 1];
      this.waitingOn[i] = to - from;
      for (let e = from; e < to; e++) this.dependentList[dependentCount[this.dependencyList[e]]++] = i;
    }
    this.decided = new Uint8Array(size);
  }

  index(name: string): number {
    if (this.indexByName === null) {
      const given = this.symbolsAsGiven;
      this.indexByName = nameIndex(this.size, given ? (i) => given[i].name : (i) => this.names.nameOf(i));
    }
    const i = this.indexByName.get(name);
    if (i === undefined) throw new Error(`RunGraph: unknown task "${name}"`);
    return i;
  }

  /** A view into the graph's storage: read it, do not keep it past the graph. */
  dependenciesOf(i: number): Int32Array {
    const from = this.dependencyStart[i];
    const to = this.dependencyStart[i + 1];
    // No view for none: most tasks of a fan-out, asked once or twice each.
    return from === to ? NONE : this.dependencyList.subarray(from, to);
  }

  /** Lets the name index go (see `index`): the runtime knows its live tasks' indexes itself. */
  forgetNameIndex(): void {
    this.indexByName = null;
    this.symbolsAsGiven = null;
  }

  /** The names of task i's dependencies, in a new list. */
  dependencyNames(i: number): string[] {
    return Array.from(this.dependenciesOf(i), (d) => this.names.nameOf(d));
  }

  /** A view into the graph's storage: read it, do not keep it past the graph. */
  dependentsOf(i: number): Int32Array {
    const from = this.dependentStart[i];
    const to = this.dependentStart[i + 1];
    return from === to ? NONE : this.dependentList.subarray(from, to);
  }

  /** How many tasks depend on task i (no view allocated: read once per task per run). */
  dependentCount(i: number): number {
    return this.dependentStart[i + 1] - this.dependentStart[i];
  }

  isDecided(i: number): boolean {
    return this.decided[i] === 1;
  }

  /** Marks tasks decided without releasing anything (a resumed run's settled tasks). */
  markDecided(i: number): void {
    this.decided[i] = 1;
  }

  /** Undecided tasks whose dependencies have all succeeded; marks them decided. */
  takeRunnable(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (this.decided[i] === 0 && this.waitingOn[i] === 0) {
        this.decided[i] = 1;
        out.push(i);
      }
    }
    return out;
  }

  /** Task i succeeded: returns the dependents that became runnable (and marks them decided). */
  succeeded(i: number): number[] {
    const out: number[] = [];
    for (let e = this.dependentStart[i]; e < this.dependentStart[i + 1]; e++) {
      const d = this.dependentList[e];
      if (--this.waitingOn[d] === 0 && this.decided[d] === 0) {
        this.decided[d] = 1;
        out.push(d);
      }
    }
    return out;
  }

  /**
   * Task i ended without success: returns every undecided task downstream of it, which can
   * now never run (marks them decided), in breadth-first order.
   */
  blocked(i: number): number[] {
    const out: number[] = [];
    const queue = [...this.dependentsOf(i)];
    for (let head = 0; head < queue.length; head++) {
      const d = queue[head];
      if (this.decided[d] === 1) continue;
      this.decided[d] = 1;
      out.push(d);
      for (const next of this.dependentsOf(d)) queue.push(next);
    }
    return out;
  }

  /** Every task not decided yet (marks them decided): what a cancellation must settle. */
  takeUndecided(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (this.decided[i] === 0) {
        this.decided[i] = 1;
        out.push(i);
      }
    }
    return out;
  }
}

function listedBetween(list: Int32Array, from: number, to: number, value: number): boolean {
  for (let e = from; e < to; e++) if (list[e] === value) return true;
  return false;
}

function nameIndex(size: number, nameOf: (i: number) => string): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < size; i++) index.set(nameOf(i), i);
  return index;
}
