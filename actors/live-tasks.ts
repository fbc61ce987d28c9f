/** What the run asks of a live task actor. */
interface LiveActor {
  send(event: { type: string }): void;
  getSnapshot(): { value: unknown; context: unknown };
  stop(): void;
}

/**
 * A run's task actors that are live now (see RunCoordinator: memory follows the frontier), by
 * task index and by name. Host actions know a task by its context's name, so the name leads to
 * the index here, for live tasks only: the graph's index of every name is let go once the run
 * is planned (38 MB for a million tasks).
 */
export class LiveTasks<A extends LiveActor> {
  /** Each live actor with its name (a big run's names are packed: asked for, each is a new string). */
  private readonly byIndex = new Map<number, { actor: A; name: string }>();
  private readonly indexByName = new Map<string, number>();

  /** Task i's actor, made for the symbol named `name`. */
  add(i: number, actor: A, name: string): void {
    this.byIndex.set(i, { actor, name });
    this.indexByName.set(name, i);
  }

  /** How many task actors are live. */
  get size(): number {
    return this.byIndex.size;
  }

  get(i: number): A | undefined {
    return this.byIndex.get(i)?.actor;
  }

  /** The index of the live task named `name`, or undefined when it is not live. */
  indexOf(name: string): number | undefined {
    return this.indexByName.get(name);
  }

  /** Stops task i's actor, if live, and forgets it. */
  drop(i: number): void {
    const live = this.byIndex.get(i);
    if (live === undefined) return;
    live.actor.stop();
    this.byIndex.delete(i);
    this.indexByName.delete(live.name);
  }

  /** Forgets every actor, without stopping them. */
  clear(): void {
    this.byIndex.clear();
    this.indexByName.clear();
  }

  /** The live actors, as a list (callers may drop actors as they go). */
  actors(): A[] {
    return Array.from(this.byIndex.values(), (live) => live.actor);
  }

  *entries(): IterableIterator<[number, A]> {
    for (const [i, live] of this.byIndex) yield [i, live.actor];
  }

  /** Counts of live task actors by state, for progress displays. */
  states(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { actor } of this.byIndex.values()) {
      const state = actor.getSnapshot().value as string;
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }

  /** Up to `max` names each of the tasks running now and of those waiting to retry. */
  activeNames(max: number): { running: string[]; retrying: string[] } {
    const active = { running: [] as string[], retrying: [] as string[] };
    for (const { actor, name } of this.byIndex.values()) {
      const state = actor.getSnapshot().value as string;
      const list = state === 'running' || state === 'assigned' ? active.running : state === 'retrying' ? active.retrying : null;
      if (list && list.length < max) list.push(name);
      if (active.running.length >= max && active.retrying.length >= max) break;
    }
    return active;
  }
}
