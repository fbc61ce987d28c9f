import type { Clock } from '../src/clock.ts';
import type { SwarmConfig } from '../src/config/schema.ts';
import { SwarmError } from '../src/errors.ts';
import type { SwarmLogger } from '../src/logger.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import { LeaseTable, toWorker, type EnginePoolReport, type HeldAttempt, type TargetSlots, type ToWorkerMessage } from '../src/protocol/index.ts';
import { checkBackends, enabledBackends, type BackendSpec } from './backends/index.ts';
import type { HostServices } from './executor/thread-protocol.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import { ABORT_GRACE_MS, LocalThreadNode } from './local-thread-node.ts';
import { ProcessBackendNode } from './process-backend-node.ts';
import { RECONNECTED, RemoteNodeBridge } from './remote-node-bridge.ts';
import type { SwarmScheduler } from './swarm-scheduler.ts';
import type { NodeRuntime } from './node-runtime.ts';

/**
 * How often the dispatcher stamps its own nodes' rows as seen. A remote worker's heartbeats move
 * its row's `lastSeenAt`; the local nodes have none, and a row idle for a day was deleted by the
 * dispatcher's own clean-up of old node rows (and at once by `swarm prune`) while its node was
 * alive. A stamp is a store commit a minute; a row deleted anyway comes back with the next.
 */
export const LOCAL_NODES_SEEN_EVERY_MS = 60_000;

/** One node as the status report and metrics see it: what it offers and how full it is. */
export interface NodeLoad {
  id: string;
  kind: 'local' | 'remote';
  capacity: number;
  freeSlots: number;
  /** Its pools of warm engines (backends with mode = "persistent"), when it has any. */
  engines?: EnginePoolReport[];
}

/** What a worker's `hello` registers. */
export interface RemoteRegistration {
  name: string;
  capabilities: DispatchTarget[];
  capacity: number;
  /** Attempts the worker still holds from an earlier connection. */
  resume?: HeldAttempt[];
  /** The secret of the worker's last `welcome`: proves it is the process of a live connection. */
  session?: string;
  /** The optional messages it understands (WORKER_FEATURES; unknown names are ignored). */
  features?: readonly string[];
  /** Per dispatch target, fewer attempts at once than `capacity` (its warm-engine pools). */
  slots?: TargetSlots;
}

/** The connection a remote node talks through; the caller (the /workers route) owns it. */
export interface RemoteConnection {
  send: (message: ToWorkerMessage) => void;
  disconnect: (reason: string) => void;
  flush?: () => void;
}

export interface DispatcherNodesOptions {
  config: SwarmConfig;
  scheduler: SwarmScheduler;
  journal: JournalRecorder;
  host: HostServices;
  clock: Clock;
  now: () => number;
  log: SwarmLogger;
  /** Whether remote workers may join (see DispatcherOptions.acceptsRemoteNodes). */
  acceptsRemoteNodes: boolean;
}

/**
 * The nodes of one dispatcher: its thread pool, its backend processes and the connected
 * workers, each added to the scheduler when it can take work and removed when it is gone.
 */
export class DispatcherNodes {
  private local: LocalThreadNode | null = null;
  /** The enabled backends that passed their health check, run as local processes. */
  private backends: ProcessBackendNode | null = null;
  private backendsChecked: Promise<void> = Promise.resolve();
  private readonly remote = new Set<RemoteNodeBridge>();
  /** Fencing for remote assignments; outlives any one worker connection. */
  private readonly leases = new LeaseTable<string>();
  private closing = false;
  private seenTimer: unknown = null;

  constructor(private readonly options: DispatcherNodesOptions) {}

  /** The thread pool and, once checked, the backend processes (`local_workers` above 0). */
  startLocal(): void {
    const { config, scheduler } = this.options;
    const { dispatcher } = config;
    if (dispatcher.local_workers === 0) return;
    this.local = new LocalThreadNode({
      threads: dispatcher.local_workers,
      tasksPerThread: dispatcher.tasks_per_thread,
      journal: this.options.journal,
      host: this.options.host,
      clock: this.options.clock,
      onCapacity: () => scheduler.schedulePump(),
      onBroken: (error) => {
        // What waits for a thread fails as a task with no capable node does.
        this.options.log.error({ err: error }, error.message);
        if (this.local) scheduler.removeNode(this.local, error.message);
        scheduler.schedulePump();
      },
      now: this.options.now,
    });
    scheduler.addNode(this.local);
    const specs = enabledBackends(config.backends);
    if (specs.length > 0) this.backendsChecked = this.startBackends(specs);
    this.stampLocalNodesLater();
  }

  /** See LOCAL_NODES_SEEN_EVERY_MS. */
  private stampLocalNodesLater(): void {
    const { clock, now } = this.options;
    this.seenTimer = clock.setTimeout(() => {
      if (this.closing) return;
      const at = now();
      this.local?.seen(at);
      this.backends?.seen(at);
      this.stampLocalNodesLater();
    }, LOCAL_NODES_SEEN_EVERY_MS);
  }

  /**
   * Checks the enabled backends once, at start (a check runs the interpreter, ~20–150 ms),
   * and offers the healthy ones on a node of their own; the others are logged with their fix.
   * Jobs for them wait meanwhile, so a run deployed at once is not failed for a check that
   * has not finished.
   */
  private async startBackends(specs: BackendSpec[]): Promise<void> {
    const { scheduler, log } = this.options;
    const settle = scheduler.expectNodes(specs.map((s) => s.target));
    try {
      const health = await checkBackends(specs).catch((err: unknown) => {
        log.error({ err }, 'the backend health check failed; no backend is offered');
        return [];
      });
      for (const h of health) {
        if (h.ok) log.info({ backend: h.target }, `backend ready: ${h.detail}`);
        else log.warn({ backend: h.target }, `backend ${h.target} is enabled but cannot run: ${h.problem}; ${h.fix}`);
      }
      const healthy = specs.filter((s) => health.some((h) => h.ok && h.target === s.target));
      if (healthy.length === 0 || this.closing) return;
      const { dispatcher } = this.options.config;
      this.backends = new ProcessBackendNode({
        id: 'local-backends',
        backends: healthy,
        capacity: dispatcher.local_workers * dispatcher.tasks_per_thread,
        journal: this.options.journal,
        clock: this.options.clock,
        onCapacity: () => scheduler.schedulePump(),
        now: this.options.now,
        log,
      });
      scheduler.addNode(this.backends);
    } finally {
      settle();
    }
  }

  /**
   * Each node's slots as status shows them: taken by the attempts it holds, running or held
   * ahead (not what the scheduler may still hand it, which work held ahead makes more than its
   * capacity while requests are quick).
   */
  loads(): NodeLoad[] {
    const loads: NodeLoad[] = [];
    const withEngines = (engines: EnginePoolReport[]) => (engines.length > 0 ? { engines } : {});
    const free = (node: NodeRuntime) => Math.max(0, node.capacity - node.attemptsHeld());
    if (this.local) loads.push({ id: this.local.id, kind: 'local', capacity: this.local.capacity, freeSlots: free(this.local) });
    if (this.backends) {
      const b = this.backends;
      loads.push({ id: b.id, kind: 'local', capacity: b.capacity, freeSlots: free(b), ...withEngines(b.enginePools()) });
    }
    for (const node of this.remote) {
      loads.push({ id: node.id, kind: 'remote', capacity: node.capacity, freeSlots: free(node), ...withEngines(node.engines) });
    }
    return loads;
  }

  /**
   * Makes a registered remote worker a node of the swarm. The caller owns the connection:
   * it passes the worker's messages to `receive` and calls `lost` when the socket closes.
   * Refused (a SwarmError) when `[coordinator] max_workers` nodes are already registered or
   * another live worker of the same name is connected; the same worker reconnecting replaces
   * its old connection and keeps the attempts it still runs.
   */
  attachRemote(registration: RemoteRegistration, io: RemoteConnection): RemoteNodeBridge {
    const { coordinator } = this.options.config;
    if (!this.options.acceptsRemoteNodes) {
      throw new SwarmError('USAGE', 'This dispatcher does not accept remote workers ([dispatcher] enable_websocket = false).');
    }
    const { resume = [], session, ...node } = registration;
    const previous = [...this.remote].find((n) => n.id === `remote:${node.name}`);
    if (previous && !previous.replaceableBy(session)) {
      throw new SwarmError(
        'USAGE',
        `A worker named "${node.name}" is already connected; give each worker its own name ` +
          '(a restarted worker is let in once its old connection times out: [coordinator] heartbeat_timeout).',
      );
    }
    // The same worker on a new connection: what it still runs carries over (see handOver).
    const adopted = previous?.handOver(resume) ?? [];
    const localNodes = (this.local ? 1 : 0) + (this.backends ? 1 : 0);
    if (this.remote.size + localNodes >= coordinator.max_workers) {
      throw new SwarmError('USAGE', `The dispatcher already has [coordinator] max_workers = ${coordinator.max_workers} nodes.`);
    }
    const { scheduler } = this.options;
    const bridge = new RemoteNodeBridge({
      ...node,
      ...io,
      adopted,
      leases: this.leases,
      journal: this.options.journal,
      host: this.options.host,
      clock: this.options.clock,
      now: this.options.now,
      heartbeatTimeoutMs: coordinator.heartbeat_timeout,
      ackDeadlineMs: Math.max(coordinator.heartbeat_timeout, 1_000),
      onCapacity: () => scheduler.schedulePump(),
      onGone: (gone, reason) => {
        this.remote.delete(gone);
        scheduler.removeNode(gone);
        if (reason === 'drained') this.options.log.info({ node: gone.id }, 'worker drained and left');
        else if (reason === RECONNECTED) this.options.log.info({ node: gone.id }, 'worker reconnected: its attempts go on on the new connection');
        else if (!this.closing) this.options.log.warn({ node: gone.id, reason }, `worker lost: ${reason}`);
      },
    });
    // What the worker still runs that this dispatcher did not hand over (a restarted dispatcher,
    // or another that took the run over, knows none of it): its outcomes would be refused, and
    // the run gives those tasks new attempts. Stopped, so they do not hold the worker's slots.
    const carried = new Set(adopted.map((a) => a.key));
    for (const held of resume) {
      if (!carried.has(held.key)) io.send(toWorker.abort(held.key, 'the dispatcher does not know this attempt (it was restarted, or the run was taken over): it runs again as a new attempt'));
    }
    this.remote.add(bridge);
    scheduler.addNode(bridge);
    this.options.log.info({ node: bridge.id, capabilities: node.capabilities, capacity: node.capacity }, 'worker registered');
    return bridge;
  }

  /** Lets every node finish within `graceMs` (workers are told), then releases them all. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.seenTimer !== null) this.options.clock.clearTimeout(this.seenTimer);
    await Promise.all([...this.remote].map((n) => n.close(graceMs)));
    await this.local?.close(graceMs + ABORT_GRACE_MS);
    await this.backendsChecked;
    await this.backends?.close(graceMs);
  }
}
