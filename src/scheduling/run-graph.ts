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

export class RunGraph {
  readonly size: number;
  readonly names: readonly string[];
  private readonly indexByName: Map<string, number>;
  private readonly dependencyIndexes: number[][];
  private readonly dependentIndexes: number[][];
  /** Dependencies of each task that have not succeeded yet. */
  private readonly waitingOn: Int32Array;
  /** 1 once the task's fate is decided here: released to run, or blocked for good. */
  private readonly decided: Uint8Array;

  constructor(symbols: readonly GraphSymbol[]) {
    this.size = symbols.length;
    this.names = symbols.map((s) => s.name);
    this.indexByName = new Map(this.names.map((name, i) => [name, i]));
    this.dependencyIndexes = symbols.map((s) => [...new Set(s.dependencies)].map((d) => this.index(d)));
    this.dependentIndexes = symbols.map(() => []);
    this.waitingOn = new Int32Array(this.size);
    this.decided = new Uint8Array(this.size);
    this.dependencyIndexes.forEach((deps, i) => {
      this.waitingOn[i] = deps.length;
      for (const d of deps) this.dependentIndexes[d].push(i);
    });
  }

  index(name: string): number {
    const i = this.indexByName.get(name);
    if (i === undefined) throw new Error(`RunGraph: unknown task "${name}"`);
    return i;
  }

  dependenciesOf(i: number): readonly number[] {
    return this.dependencyIndexes[i];
  }

  dependentsOf(i: number): readonly number[] {
    return this.dependentIndexes[i];
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
    for (const d of this.dependentIndexes[i]) {
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
    const queue = [...this.dependentIndexes[i]];
    for (let head = 0; head < queue.length; head++) {
      const d = queue[head];
      if (this.decided[d] === 1) continue;
      this.decided[d] = 1;
      out.push(d);
      queue.push(...this.dependentIndexes[d]);
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
