/** What progress displays read of a run's live task actors: only their state values. */
type LiveActor = { getSnapshot(): { value: unknown } };

/** Counts of live task actors by state. */
export function liveStates(live: Iterable<LiveActor>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const actor of live) {
    const state = actor.getSnapshot().value as string;
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

/** Up to `max` names each of the tasks running now and of those waiting to retry. */
export function activeNames(live: ReadonlyMap<number, LiveActor>, names: readonly string[], max: number): { running: string[]; retrying: string[] } {
  const active = { running: [] as string[], retrying: [] as string[] };
  for (const [i, actor] of live) {
    const state = actor.getSnapshot().value as string;
    const list = state === 'running' || state === 'assigned' ? active.running : state === 'retrying' ? active.retrying : null;
    if (list && list.length < max) list.push(names[i]);
    if (active.running.length >= max && active.retrying.length >= max) break;
  }
  return active;
}
