import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TaskPatch } from '../store/types.ts';
import { liveStatus, type StatusSources } from './status-report.ts';

/**
 * `GET /metrics` (prom-client, Prometheus text format). Gauges are set from live data at
 * scrape time — nodes, the ready queue, active runs and their tasks by state — so nothing
 * on the task path pays for them; only the duration histogram is fed as tasks settle (see
 * observed-store.ts). One registry per server, so several dispatchers in one process (tests)
 * never share or clash over metrics.
 */

/** Live task-actor states reported one by one; the others are settling and counted below. */
const LIVE_STATES = ['ready', 'assigned', 'running', 'retrying', 'rolling_back'] as const;

export class SwarmMetrics {
  readonly registry = new Registry();
  private readonly nodes: Gauge<'state'>;
  private readonly slots: Gauge<'state'>;
  private readonly queueDepth: Gauge;
  private readonly tasks: Gauge<'state'>;
  private readonly runs: Gauge<'status'>;
  private readonly durations: Histogram<'status'>;
  private readonly engines: Gauge<'node' | 'backend' | 'state'>;
  private readonly storeAvailable: Gauge;

  constructor(private readonly sources: StatusSources) {
    const registers = [this.registry];
    this.nodes = new Gauge({ name: 'swarm_nodes', help: 'Nodes in the swarm, by state (idle: no slot taken).', labelNames: ['state'], registers });
    this.slots = new Gauge({ name: 'swarm_node_slots', help: 'Task slots across all nodes: total and free.', labelNames: ['state'], registers });
    this.queueDepth = new Gauge({ name: 'swarm_queue_depth', help: 'Ready tasks waiting in the swarm-wide queue for a free slot.', registers });
    this.tasks = new Gauge({
      name: 'swarm_tasks',
      help: 'Tasks of the active runs by state; "waiting" = not yet ready (dependencies, or held back until slots free up).',
      labelNames: ['state'],
      registers,
    });
    this.runs = new Gauge({ name: 'swarm_active_runs', help: 'Active runs by status.', labelNames: ['status'], registers });
    this.durations = new Histogram({
      name: 'swarm_task_duration_seconds',
      help: 'From a task first starting to run to its final state (retries and backoff included), by final status.',
      labelNames: ['status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
      registers,
    });
    this.engines = new Gauge({
      name: 'swarm_backend_engines',
      help:
        'Warm engines (backends with mode = "persistent") per node and backend: size (pool_size), alive, busy; ' +
        'recycled and crashed count the engines ended since the node started.',
      labelNames: ['node', 'backend', 'state'],
      registers,
    });
    this.storeAvailable = new Gauge({
      name: 'swarm_store_available',
      help: '1 while the state database answers; 0 during an outage (runs held, retrying) or after the dispatcher gave up on it.',
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Called for each task that settled after running (from the observed store). */
  observeSettled(task: TaskPatch & { startedAt: number; finishedAt: number }): void {
    this.durations.observe({ status: task.status ?? 'unknown' }, Math.max(0, task.finishedAt - task.startedAt) / 1000);
  }

  /** The exposition text, with every gauge set from the current state first. */
  async render(): Promise<{ contentType: string; text: string }> {
    this.refresh();
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private refresh(): void {
    const live = liveStatus(this.sources);
    this.nodes.set({ state: 'idle' }, live.nodes.idle);
    this.nodes.set({ state: 'busy' }, live.nodes.busy);
    this.slots.set({ state: 'total' }, live.nodes.list.reduce((n, node) => n + node.capacity, 0));
    this.slots.set({ state: 'free' }, live.nodes.list.reduce((n, node) => n + Math.max(0, node.freeSlots), 0));
    this.queueDepth.set(this.sources.dispatcher.queuedCount());
    const { dispatcher } = this.sources;
    this.storeAvailable.set(dispatcher.storeOutage === null && dispatcher.failure === null ? 1 : 0);
    this.engines.reset(); // a node that left takes its pools along
    for (const node of live.nodes.list) {
      for (const pool of node.engines ?? []) {
        const labels = { node: node.id, backend: pool.backend };
        this.engines.set({ ...labels, state: 'size' }, pool.size);
        this.engines.set({ ...labels, state: 'alive' }, pool.engines);
        this.engines.set({ ...labels, state: 'busy' }, pool.busy);
        this.engines.set({ ...labels, state: 'recycled' }, pool.recycled);
        this.engines.set({ ...labels, state: 'crashed' }, pool.crashed);
      }
    }
    this.runs.set({ status: 'running' }, live.workflows.running);
    this.runs.set({ status: 'paused' }, live.workflows.paused);

    const byState: Record<string, number> = { waiting: 0, succeeded: 0, failed: 0, skipped_or_cancelled: 0 };
    for (const state of LIVE_STATES) byState[state] = 0;
    const runs = new Map(live.workflows.runs.map((r) => [r.runId, r]));
    for (const handle of this.sources.registry.activeHandles()) {
      const run = runs.get(handle.runId);
      if (!run) continue;
      const { live: actors } = handle.progress();
      let liveCount = 0;
      for (const state of LIVE_STATES) {
        byState[state] += actors[state] ?? 0;
        liveCount += actors[state] ?? 0;
      }
      byState.waiting += Math.max(0, run.totalTasks - run.settledTasks - liveCount);
      // A task rolling back is still counted succeeded by its run (until its rollback ends).
      byState.succeeded += run.completedTasks - (actors.rolling_back ?? 0);
      byState.failed += run.failedTasks;
      byState.skipped_or_cancelled += Math.max(0, run.settledTasks - run.completedTasks - run.failedTasks);
    }
    for (const [state, n] of Object.entries(byState)) this.tasks.set({ state }, n);
  }
}
