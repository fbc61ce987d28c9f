import type { TransitionRecord } from './store/types.ts';

/**
 * When a run did its own work and when it was rolled back by hand, read from its coordinator's
 * journal rows: the stored `finishedAt` moves to the end of a later `swarm rollback`, which
 * would otherwise count the idle time between them as the run's duration.
 */
export interface RunStory {
  /** When the run itself ended (its coordinator's first final state), or null while it runs. */
  endedAt: number | null;
  /** A rollback by request, after the run had ended: from its first start, across resumes. */
  rollback: { startedAt: number; endedAt: number | null; status: string | null } | null;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'rolled_back', 'rollback_failed']);

export function runStory(transitions: readonly TransitionRecord[]): RunStory {
  const story: RunStory = { endedAt: null, rollback: null };
  for (const row of transitions) {
    if (row.actorKind !== 'coordinator') continue;
    if (story.endedAt === null) {
      if (FINAL.has(row.to)) story.endedAt = row.at;
      continue;
    }
    // Rows after the run's own end belong to a compensation started by request. One that is
    // resumed (its process killed, then `swarm run --resume` or a dispatcher took it up) starts
    // again with a `run.compensate` of its own: the rollback began at the first, and only one
    // that had ended starts a new story.
    if (row.event === 'run.compensate') {
      if (story.rollback === null || story.rollback.endedAt !== null) story.rollback = { startedAt: row.at, endedAt: null, status: null };
    }
    else if (story.rollback && FINAL.has(row.to)) {
      story.rollback.endedAt = row.at;
      story.rollback.status = row.to;
    }
  }
  return story;
}
