import type { CoordinatorContext } from '../../machines/coordinator-machine.ts';
import type { NodeContext } from '../../machines/node-machine.ts';
import { TERMINAL_TASK_STATES, type TaskContext } from '../../machines/task-machine.ts';
import { failedCount, isFinishedRun, type RunStatus, type TaskStatus } from '../../src/store/types.ts';
import type { Projector } from './actor-tag.ts';

const TERMINAL = new Set<string>(TERMINAL_TASK_STATES);

/**
 * Projections: the current-state rows (tasks, runs, nodes) derived from an actor's latest
 * snapshot. They are written in the same transaction as the journal rows that produced them,
 * so `status`, `show` and the dashboard read cheap rows that never disagree with the journal.
 */
export const projectTask: Projector = (snapshot: { value: string; context: TaskContext }, tag) => {
  const c = snapshot.context;
  return {
    task: {
      runId: c.runId,
      name: c.name,
      status: snapshot.value as TaskStatus,
      attempts: c.attempt,
      output: c.output,
      error:
        c.error ??
        (c.skippedBecause !== null
          ? {
              name: 'TaskSkipped',
              code: 'TASK_SKIPPED',
              message: `skipped because "${c.skippedBecause}" did not succeed`,
            }
          : null),
      node: c.node,
      reused: c.reusedFrom !== null,
      rollbackOutput: c.rollbackOutput,
      rollbackError: c.rollbackError,
      // The first start: a task that a new actor took up (resumed, compensated) keeps its own
      // (undefined leaves the field out of the patch; a spread here cost a copy per projection).
      startedAt: tag.startedAt ?? undefined,
      // The latest snapshot is `failed` only when no retry or rollback follows it.
      finishedAt: TERMINAL.has(snapshot.value) ? tag.lastAt : null,
    },
  };
};

const RUN_STATUS_BY_STATE: Record<string, RunStatus> = {
  idle: 'running',
  running: 'running',
  paused: 'paused',
  cancelling: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  compensating: 'running',
  rolled_back: 'rolled_back',
  rollback_failed: 'rollback_failed',
};

export const projectRun: Projector = (snapshot: { value: string; context: CoordinatorContext }, tag) => {
  const status = RUN_STATUS_BY_STATE[snapshot.value] ?? 'running';
  const done = isFinishedRun(status);
  return {
    run: {
      id: snapshot.context.runId,
      status,
      completedTasks: snapshot.context.succeeded,
      failedTasks: failedCount(snapshot.context.byStatus),
      finishedAt: done ? tag.lastAt : null,
    },
  };
};

export function nodeProjector(kind: 'local' | 'remote', capabilities: Iterable<string>, startedAt: number): Projector {
  return (snapshot: { value: string; context: NodeContext }, tag) => ({
    node: {
      id: snapshot.context.nodeId,
      kind,
      status: snapshot.value,
      capacity: snapshot.context.capacity,
      running: snapshot.context.running,
      capabilities: [...capabilities],
      lastSeenAt: Math.max(tag.lastAt, snapshot.context.lastHeartbeatAt ?? 0),
      startedAt,
    },
  });
}

export const projectNothing: Projector = () => ({});
