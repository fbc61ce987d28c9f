import { onCommitted } from '../store/committed-hook.ts';
import type { CommitOutcome } from '../store/run-lease.ts';
import type { StoreBatch, SwarmStore, TaskPatch } from '../store/types.ts';

/** Statuses of tasks that ran and settled for good: the ones a duration means something for. */
const RAN_AND_SETTLED = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed']);

export type SettledTask = TaskPatch & { startedAt: number; finishedAt: number };

/**
 * Wraps a store so `onSettled` sees every task that reached a final state after running, right
 * after the commit that made it durable. This is how the dispatcher's task-duration histogram
 * is fed without a hook in the runtime: every settlement goes through `commit` as a journal row
 * (the task actor's transition into its final state) together with the task's projection
 * (which has `startedAt` and `finishedAt`). The transition is what marks the moment — a task's
 * projection can be written again later (e.g. when its output is released) and must not be
 * counted twice. Skipped tasks and tasks cancelled before starting are left out. Everything
 * else passes straight through to the real store.
 */
export function observeSettledTasks(store: SwarmStore, onSettled: (task: SettledTask) => void): SwarmStore {
  return onCommitted(store, (batch: StoreBatch, outcome: CommitOutcome) => {
    // A batch written before (a retry after a lost answer) was observed then; a fenced run's
    // rows were not written at all.
    if (batch.tasks.length === 0 || outcome.duplicate) return;
    const fenced = new Set(outcome.fenced.map((f) => f.runId));
    const settledNow = new Set<string>();
    for (const t of batch.transitions) {
      if (t.runId !== null && fenced.has(t.runId)) continue;
      if (t.actorKind === 'task' && RAN_AND_SETTLED.has(t.to)) settledNow.add(`${t.runId}\0${t.actorId}`);
    }
    if (settledNow.size === 0) return;
    for (const task of batch.tasks) {
      // Task actors are named `task:<symbol>` within their run (see RunCoordinator).
      if (!settledNow.has(`${task.runId}\0task:${task.name}`)) continue;
      if (task.finishedAt == null || task.startedAt == null) continue;
      try {
        onSettled(task as SettledTask);
      } catch {
        // Metrics must never fail a commit that has already happened.
      }
    }
  });
}
