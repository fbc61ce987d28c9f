import { attemptHistory, type AttemptRecord } from './attempt-history.ts';
import type { RunOutcome } from './run-result.ts';
import { runStory, type RunStory } from './run-story.ts';
import { readActorsJournal } from './store/bulk-journal-reader.ts';
import type { SwarmStore } from './store/types.ts';

/**
 * What a finished run's journal tells beyond its stored rows, for the tasks an outcome lists:
 * each task's attempts (its own time, apart from a later rollback) and the run's story (its own
 * end, a rollback by request). A rollback moves the stored `finishedAt`s, so durations read from
 * those rows alone would count the idle time before the rollback. Of a big run only the listed
 * tasks' and the coordinator's rows are read.
 */
export interface RunJournalDetail {
  story: RunStory;
  /** Task name → its attempts and rollbacks, as `swarm show --attempts` lists them. */
  attempts: Record<string, AttemptRecord[]>;
}

export function readRunJournalDetail(store: SwarmStore, outcome: RunOutcome): RunJournalDetail {
  const transitions =
    outcome.tasks.length === outcome.totalTasks
      ? store.getTransitions(outcome.runId)
      : readActorsJournal(store, outcome.runId, [`coordinator:${outcome.runId}`, ...outcome.tasks.map((t) => `task:${t.name}`)]);
  return { story: runStory(transitions), attempts: Object.fromEntries(attemptHistory(transitions)) };
}
