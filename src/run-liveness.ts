import { isOwnerAlive } from './run-owner.ts';
import { isFinishedRun, type RunRecord, type SwarmStore } from './store/types.ts';

/**
 * Whether an unfinished run still has a process behind it. A run whose `swarm run` was
 * killed (or whose dispatcher died with no other to take it up) stays "running" in the
 * store until something resumes it; people reading `runs` or `show` must see that nothing
 * is moving it, and how to go on.
 */
export function isInterrupted(store: SwarmStore, run: Pick<RunRecord, 'id' | 'status'>): boolean {
  return !isFinishedRun(run.status) && !isOwnerAlive(store.getRunOwner(run.id));
}

/** What to do about an interrupted run, for messages. */
export function resumeHint(runId: string): string {
  return `its process is gone; take it up with \`swarm run --resume ${runId}\` (a dispatcher started on this database takes it up too)`;
}
