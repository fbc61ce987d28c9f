import { runCounts, toRunSummary, type ListedRun } from './run-result.ts';
import { takeoverBasis } from './run-owner.ts';
import { runStory } from './run-story.ts';
import { readActorsJournal } from './store/bulk-journal-reader.ts';
import { isFinishedRun, type ListedNode, type RunListing, type RunRecord, type SwarmStore } from './store/types.ts';

/**
 * Whether an unfinished run still has a process behind it. A run whose `swarm run` was
 * killed (or whose dispatcher died, or stopped renewing its lease, with no other to take it up)
 * stays "running" in the store until something resumes it; people reading `runs` or `show`
 * must see that nothing is moving it, and how to go on.
 */
export function isInterrupted(store: SwarmStore, run: Pick<RunRecord, 'id' | 'status'>): boolean {
  return !isFinishedRun(run.status) && takeoverBasis(store.getRunLease(run.id)) !== null;
}

/** What to do about an interrupted run, for messages. */
export function resumeHint(runId: string): string {
  return `its process is gone; take it up with \`swarm run --resume ${runId}\` (a dispatcher started on this database takes it up too)`;
}

/** A run as lists show it (ListedRun): with whether it is interrupted. */
export function listedRun(store: SwarmStore, run: RunListing): ListedRun {
  // Only a rolled-back run may have been rolled back by hand: its coordinator's rows tell.
  const rolledBack = run.status === 'rolled_back' || run.status === 'rollback_failed';
  const endedAt = rolledBack ? (runStory(readActorsJournal(store, run.id, [`coordinator:${run.id}`])).endedAt ?? run.finishedAt) : run.finishedAt;
  const interrupted = isInterrupted(store, run);
  // An interrupted run's row can lag its tasks: the counts on their way to it (up to 100 ms
  // of settlements, actors/settled-tally.ts) went with its process. Its tasks' rows say.
  const counted = interrupted ? runCounts(store.countTasksByStatus(run.id)) : {};
  return { ...toRunSummary(run), ...counted, manifestPath: run.manifestPath, interrupted, endedAt };
}

/**
 * The nodes table as lists show it. It keeps each node's last state, so a `swarm run` or a
 * dispatcher killed mid-run leaves its node busy there for good. A busy node runs attempts of
 * some run; when no run is still held by a live process, a busy row is what a gone process
 * left (`gone`). An idle row cannot be told from a live idle one, and is shown as it is.
 */
export function listedNodes(store: SwarmStore): ListedNode[] {
  let liveRun: boolean | undefined;
  const anyLiveRun = () =>
    (liveRun ??= store.listUnfinishedRunIds().some((id) => {
      const run = store.getRunListing(id);
      return run !== undefined && !isInterrupted(store, run);
    }));
  return store.listNodes().map((node) => ({ ...node, gone: node.status !== 'stopped' && node.running > 0 && !anyLiveRun() }));
}
