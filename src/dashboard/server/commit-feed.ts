import { onCommitted } from '../../store/committed-hook.ts';
import type { NewRunLease } from '../../store/run-lease.ts';
import type { NewRun, NewTask, StoreBatch, SwarmStore } from '../../store/types.ts';
import type { LiveHub } from './live-hub.ts';

/**
 * The two ways the live hub learns of new journal rows.
 *
 * In the dispatcher every write goes through its own store, so the store is wrapped (like
 * server/observed-store.ts does for metrics) and each group commit wakes the hub right after it
 * is durable: no timer, no query while nothing happens.
 *
 * `swarm dashboard` reads a database another process writes (a `swarm run`), so it cannot be
 * told; it looks for rows after the watched seqs a few times a second, and only while a page is
 * connected (one indexed query per watched run).
 */
export function notifyOnCommit(store: SwarmStore, hub: () => LiveHub | undefined): SwarmStore {
  const landed = (batch: StoreBatch) => {
    const runIds = new Set<string>();
    for (const t of batch.transitions) if (t.runId !== null) runIds.add(t.runId);
    if (runIds.size > 0 || batch.runs.length > 0) hub()?.notify(runIds, batch.runs.some((r) => r.status !== undefined));
  };
  const createRun = (run: NewRun, tasks: NewTask[], lease?: NewRunLease) => {
    store.createRun(run, tasks, lease);
    hub()?.notify([], true);
  };
  return onCommitted(store, landed, { createRun });
}

const POLL_MS = 250;

/** For a database written by another process: wakes the hub when watched runs grow or the runs list changes. */
export function pollStore(store: SwarmStore, hub: LiveHub): { stop(): void } {
  let fingerprint = '';
  const timer = setInterval(() => {
    if (hub.size === 0) return;
    const grown: string[] = [];
    for (const [runId, seq] of hub.watched()) if (store.getTransitions(runId, { afterSeq: seq, limit: 1 }).length > 0) grown.push(runId);
    const latest = store
      .listRuns({ limit: 50 })
      .map((r) => `${r.id}:${r.status}:${r.completedTasks}:${r.failedTasks}`)
      .join(',');
    const changed = fingerprint !== '' && latest !== fingerprint;
    fingerprint = latest;
    if (grown.length > 0 || changed) hub.notify(grown, changed);
  }, POLL_MS);
  return { stop: () => clearInterval(timer) };
}
