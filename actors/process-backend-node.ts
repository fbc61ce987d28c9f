import { settlesWithin, type Clock } from '../src/clock.ts';
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../src/execution.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import { nodeMessages } from '../src/messages.ts';
import type { TargetSlots } from '../src/protocol/index.ts';
import type { SwarmLogger } from '../src/logger.ts';
import {
  EnginePool,
  checkBackend,
  runBackendProcess,
  type BackendRunOptions,
  type BackendSpec,
  type EnginePoolStats,
} from './backends/index.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import { startNodeActor } from './node-actor.ts';
import type { AttemptSink, NodeRuntime } from './node-runtime.ts';

export interface ProcessBackendNodeOptions {
  id: string;
  /** The backends this node runs: only those whose health check passed. */
  backends: readonly BackendSpec[];
  /** Backend processes running at once. */
  capacity: number;
  /** Journals the node actor; a remote worker, which keeps no journal, leaves it out. */
  journal?: JournalRecorder;
  clock: Clock;
  onCapacity: () => void;
  now?: () => number;
  run?: BackendRunOptions;
  /** A backend was withdrawn after failing its health check, or came back (see recheck). */
  onCapabilitiesChanged?: (capabilities: DispatchTarget[]) => void;
  /** How often a withdrawn backend is checked again (default 30 s). */
  recheckMs?: number;
  log?: SwarmLogger;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
  target: DispatchTarget;
}

/**
 * A node whose attempts are external backend processes (rust_injector, php_engine,
 * powershell_engine): one process per attempt, or, for a backend with `mode = "persistent"`,
 * a request to one of the node's warm engines (backends/engine-pool.ts; one pool per backend,
 * `pool_size` engines at most, by default the node's slots). No thread is needed: spawning and
 * reading pipes are asynchronous I/O on the main thread. Stopping an attempt aborts its process
 * group (see backends/process-runner.ts; a warm engine serving it is killed and replaced);
 * `finished` follows once the group is gone, so a retry never overlaps the process it replaces.
 */
export class ProcessBackendNode implements NodeRuntime {
  readonly id: string;
  /** The backends offered now: one whose process cannot start is withdrawn until it can. */
  readonly capabilities = new Set<DispatchTarget>();
  readonly capacity: number;
  private readonly specs = new Map<DispatchTarget, BackendSpec>();
  private readonly pools = new Map<DispatchTarget, EnginePool>();
  private readonly running = new Map<string, Running>();
  private readonly actor;
  private closed = false;
  private readonly rechecking = new Set<DispatchTarget>();
  private readonly recheckTimers = new Map<DispatchTarget, unknown>();

  constructor(private readonly options: ProcessBackendNodeOptions) {
    this.id = options.id;
    for (const spec of options.backends) this.specs.set(spec.target, spec);
    for (const target of this.specs.keys()) this.capabilities.add(target);
    this.capacity = Math.max(1, options.capacity);
    for (const spec of options.backends) {
      if (!spec.persistent) continue;
      const size = spec.persistent.poolSize ?? this.capacity;
      this.pools.set(spec.target, new EnginePool({ spec: { ...spec, persistent: spec.persistent }, size, ...options.run, ...(options.log && { log: options.log }) }));
    }
    this.actor = startNodeActor({
      ...(options.journal && { journal: options.journal }),
      nodeId: this.id,
      kind: 'local',
      capabilities: this.capabilities,
      capacity: this.capacity,
      startedAt: (options.now ?? Date.now)(),
    });
  }

  /**
   * For a backend with warm engines, no more than its pool's engines not in use: an attempt
   * taken beyond them would wait for an engine inside its own timeout. Left in the queue, it
   * starts (and its time runs) when an engine is free.
   */
  freeSlots(target?: DispatchTarget): number {
    if (this.closed) return 0;
    const free = this.capacity - this.running.size;
    const pool = target === undefined ? undefined : this.pools.get(target);
    if (!pool) return free;
    let inPool = 0;
    for (const r of this.running.values()) if (r.target === target) inPool++;
    return Math.min(free, pool.size - inPool);
  }

  attemptsHeld(): number {
    return this.running.size;
  }

  /** The process is alive at `at`: the node's row says so (a local node has no heartbeats). */
  seen(at: number): void {
    this.actor.send(nodeMessages.heartbeat(at));
  }

  execute(request: ExecutionRequest, sink: AttemptSink): void {
    const key = attemptKey(request);
    const spec = this.specs.get(request.symbol.dispatch);
    if (!spec) {
      sink.finished(notOffered(request.symbol.dispatch, this.id));
      return;
    }
    const controller = new AbortController();
    this.actor.send(nodeMessages.attemptsStarted(request.runId, 1));
    sink.started();
    const pool = this.pools.get(spec.target);
    const attempt = pool
      ? pool.run(request, controller.signal)
      : runBackendProcess(spec, request, controller.signal, this.options.run);
    const done = attempt.then((outcome) => {
      this.running.delete(key);
      this.actor.send(nodeMessages.attemptsEnded(request.runId, 1));
      sink.finished(outcome);
      if (!outcome.ok && outcome.error.code === 'BACKEND_UNAVAILABLE') void this.recheck(spec);
      this.options.onCapacity();
    });
    this.running.set(key, { controller, done, target: spec.target });
  }

  /**
   * A backend's process could not be started (its binary or script went away, say): checks it
   * as at start, and withdraws it while it fails — tasks go to nodes that can run it, or wait
   * for one — checking again every `recheckMs` until it passes.
   */
  private async recheck(spec: BackendSpec): Promise<void> {
    if (this.rechecking.has(spec.target) || this.closed) return;
    this.rechecking.add(spec.target);
    try {
      const health = await checkBackend(spec);
      if (health.ok) {
        if (!this.capabilities.has(spec.target)) {
          this.capabilities.add(spec.target);
          this.options.log?.info({ backend: spec.target }, `backend ${spec.target} passes its check again; offered again`);
          this.announceCapabilities();
        }
        return;
      }
      this.pools.get(spec.target)?.recycleIdle(`health check failed: ${health.problem}`);
      if (this.capabilities.delete(spec.target)) {
        this.options.log?.warn({ backend: spec.target }, `backend ${spec.target} withdrawn: ${health.problem}; ${health.fix}`);
        this.announceCapabilities();
      }
      this.recheckTimers.set(
        spec.target,
        this.options.clock.setTimeout(() => void this.recheck(spec), this.options.recheckMs ?? 30_000),
      );
    } finally {
      this.rechecking.delete(spec.target);
    }
  }

  private announceCapabilities(): void {
    this.options.onCapabilitiesChanged?.([...this.capabilities]);
    this.options.onCapacity();
  }

  /**
   * The targets this node runs fewer of at once than its slots (a warm-engine pool smaller than
   * them), and how many: what a worker's `hello` says, so its dispatcher sends no more.
   */
  slotsBelowCapacity(): TargetSlots | undefined {
    let slots: TargetSlots | undefined;
    for (const [target, pool] of this.pools) if (pool.size < this.capacity) (slots ??= {})[target] = pool.size;
    return slots;
  }

  /** The warm engine pools (persistent backends only), for status and metrics. */
  enginePools(): EnginePoolStats[] {
    return [...this.pools.values()].map((pool) => pool.stats());
  }

  abort(key: string, reason: string): void {
    this.running.get(key)?.controller.abort(new Error(reason));
  }

  /** Takes no new work; waits up to `deadlineMs` for running processes, then kills what is left. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closed = true;
    for (const timer of this.recheckTimers.values()) this.options.clock.clearTimeout(timer);
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    if (!(await settlesWithin(all, deadlineMs, this.options.clock))) {
      for (const r of this.running.values()) r.controller.abort(new Error('the node is stopping'));
      await all;
    }
    // No engine outlives the node: each is told to finish, then killed with its group.
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.actor.send(nodeMessages.drain());
  }
}

function notOffered(dispatch: DispatchTarget, nodeId: string): ExecutionOutcome {
  return {
    ok: false,
    retryable: true,
    error: { name: 'ExecutionError', code: 'NO_CAPABLE_NODE', message: `node ${nodeId} does not run dispatch "${dispatch}"` },
  };
}
