import type { Dispatcher, NodeLoad } from '../../actors/dispatcher.ts';
import type { StoreOutageReport } from '../../actors/leases/store-outage.ts';
import { DispatcherGaveUpError } from '../store/store-errors.ts';
import type { StoreCounts, SwarmStore } from '../store/types.ts';
import type { RunProgressView, RunRegistry } from './run-registry.ts';

/**
 * The spec's status report as data (`GET /api/status`, `swarm status --json`). Live numbers
 * come from the dispatcher (nodes, the ready queue, each active run's task actors); finished
 * work comes from the store's projections. Scope of the task counts:
 * - queued: tasks of active runs not settled and not on a node — waiting for a dependency, a
 *   free slot or a retry's backoff;
 * - running: tasks of active runs on a node now (assigned, running, rolling back);
 * - completed / failed: tasks that succeeded / failed for good in the runs this dispatcher
 *   accepted since it started (active and finished). Older runs are in `database`.
 * While the state database is unavailable (an outage: the dispatcher holds its runs and
 * retries), nothing is read from it: `database.unavailable` says since when and until when it
 * keeps trying, `counts` is null, and the active runs show their counts as last read.
 */
export interface StatusReport {
  dispatcher: 'running';
  /** Why this dispatcher accepts no run: it gave its runs up after a store failure (until restarted), or it is stopping; absent while it works. */
  refusesRuns?: string;
  version: string;
  uptimeMs: number;
  nodes: { active: number; idle: number; busy: number; list: Array<NodeLoad & { state: 'idle' | 'busy' }> };
  tasks: { queued: number; running: number; completed: number; failed: number };
  workflows: { active: number; running: number; paused: number; runs: RunProgressView[] };
  database: { location: string; counts: StoreCounts | null; unavailable?: StoreOutageReport };
}

export interface StatusSources {
  dispatcher: Dispatcher;
  registry: RunRegistry;
  store: SwarmStore;
  version: string;
  startedAt: number;
  /** False once the dispatcher is shutting down: no new runs. */
  accepting(): boolean;
}

/** What a stopping dispatcher says of new runs (status, /health, a refused deploy). */
export const STOPPING_MESSAGE = 'The dispatcher is stopping and accepts no new runs.';

/** The node, run and task parts: cheap, no table scans (also what /metrics is built from). */
export function liveStatus(sources: StatusSources): Omit<StatusReport, 'database'> {
  const { dispatcher, registry, store } = sources;
  const list = dispatcher.nodeLoads().map((node) => ({
    ...node,
    // A node with any slot taken is busy: it is running something.
    state: node.freeSlots >= node.capacity ? ('idle' as const) : ('busy' as const),
  }));
  const runs: RunProgressView[] = [];
  const reachable = dispatcher.storeOutage === null;
  for (const handle of registry.activeHandles()) {
    const stored = registry.storedListing(handle.runId, reachable ? store : null);
    if (stored) runs.push(registry.liveProgress(handle, stored));
  }
  const finished = registry.finishedTotals();
  const tasks = { queued: 0, running: 0, completed: finished.completedTasks, failed: finished.failedTasks };
  for (const run of runs) {
    tasks.running += run.runningTasks;
    tasks.queued += Math.max(0, run.totalTasks - run.settledTasks - run.runningTasks);
    tasks.completed += run.completedTasks;
    tasks.failed += run.failedTasks;
  }
  const paused = runs.filter((r) => r.status === 'paused').length;
  return {
    dispatcher: 'running',
    version: sources.version,
    uptimeMs: Date.now() - sources.startedAt,
    nodes: {
      active: list.length,
      idle: list.filter((n) => n.state === 'idle').length,
      busy: list.filter((n) => n.state === 'busy').length,
      list,
    },
    tasks,
    workflows: { active: runs.length, running: runs.length - paused, paused, runs },
  };
}

export function statusReport(sources: StatusSources): StatusReport {
  const { store, dispatcher } = sources;
  const live = liveStatus(sources);
  const outage = dispatcher.storeOutage;
  const failure = dispatcher.failure;
  const refuses =
    failure !== null
      ? { refusesRuns: new DispatcherGaveUpError(failure).message }
      : sources.accepting()
        ? {}
        : { refusesRuns: `${STOPPING_MESSAGE} It finishes or cancels its active runs, then exits.` };
  if (outage) return { ...live, ...refuses, database: { location: store.location, counts: null, unavailable: outage } };
  let counts: StoreCounts | null = null;
  try {
    counts = store.counts();
  } catch (err) {
    // A dispatcher that gave up still answers status, whatever its store does now.
    if (failure === null) throw err;
  }
  return { ...live, ...refuses, database: { location: store.location, counts } };
}
