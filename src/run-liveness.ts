import type { CommandLine } from './command-line.ts';
import { INTERRUPTION_WORDS, type Interruption } from './interruption.ts';
import { recountRun, toRunSummary, type ListedRun } from './run-result.ts';
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
  return interruption(store, run) !== null;
}


export function interruption(store: SwarmStore, run: Pick<RunRecord, 'id' | 'status'>): Interruption | null {
  return isFinishedRun(run.status) ? null : takeoverBasis(store.getRunLease(run.id));
}

/** Why nothing moves an interrupted run, in words that say only what is known. */
export function interruptionWords(why: Interruption): string {
  return INTERRUPTION_WORDS[why];
}

/**
 * What to do about an interrupted run, for messages. `resume` is the command as the one who
 * reads it would type it (the CLI's has the config and --db it was given).
 */
export function resumeHint(runId: string, why: Interruption = 'dead', resume = `swarm run --resume ${runId}`): string {
  return `${interruptionWords(why)}; take it up with \`${resume}\` (a dispatcher started on this database takes it up too)`;
}

/**
 * A run as lists show it (ListedRun): with whether it is interrupted, and then why and the
 * command that takes it up, as `commandLine` writes it (the reader's config and database).
 */
export function listedRun(store: SwarmStore, run: RunListing, commandLine: CommandLine): ListedRun {
  // Only a rolled-back run may have been rolled back by hand: its coordinator's rows tell.
  const rolledBack = run.status === 'rolled_back' || run.status === 'rollback_failed';
  const endedAt = rolledBack ? (runStory(readActorsJournal(store, run.id, [`coordinator:${run.id}`])).endedAt ?? run.finishedAt) : run.finishedAt;
  const why = interruption(store, run);
  // An interrupted run's row can lag its tasks: the counts on their way to it (up to 100 ms
  // of settlements, actors/settled-tally.ts) went with its process. Its tasks' rows say.
  const counted = why !== null ? recountRun(store, run.id) : {};
  const interrupted = why !== null ? { interruption: why, resumeCommand: commandLine(['run', '--resume', run.id]) } : {};
  return { ...toRunSummary(run), ...counted, manifestPath: run.manifestPath, interrupted: why !== null, ...interrupted, endedAt };
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
