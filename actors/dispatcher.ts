import { dispatcherMachine } from '../machines/dispatcher-machine.ts';
import { systemClock, type Clock } from '../src/clock.ts';
import type { SwarmConfig } from '../src/config/schema.ts';
import { LOG_LEVELS } from '../src/config/log-levels.ts';
import type { LoadedManifest } from '../src/manifest/types.ts';
import { SwarmError, UsageError } from '../src/errors.ts';
import { dispatcherMessages } from '../src/messages.ts';
import { newRunId } from '../src/run-id.ts';
import type { RunResult } from '../src/run-result.ts';
import { openConfiguredStore, storeWriteError } from '../src/store/index.ts';
import { isFinishedRun, type RunStatus, type SwarmStore } from '../src/store/types.ts';
import { jsonProblem } from '../src/json-limits.ts';
import { Logger, type SwarmLogger } from '../src/logger.ts';
import { CommitBarrier } from './commit-barrier.ts';
import type { HostServices } from './executor/thread-protocol.ts';
import { JournalRecorder } from './journal/journal-recorder.ts';
import { projectNothing } from './journal/projections.ts';
import { RunCoordinator } from './run-coordinator.ts';
import { SwarmScheduler } from './swarm-scheduler.ts';
import { compensationPlan } from './run-compensation.ts';
import { isInterrupted, resumeHint } from '../src/run-liveness.ts';
import type { RunStart } from './run-start.ts';
import { loadStoredRun } from './stored-run.ts';
import { planReplay, type ReplayOptions, type ReplayPlan } from '../src/replay-plan.ts';
import { currentOwner, isOwnerAlive } from '../src/run-owner.ts';
import { checkTaskEngine } from './task-engine/task-engine.ts';
import type { RemoteNodeBridge } from './remote-node-bridge.ts';
import { DispatcherNodes, type NodeLoad, type RemoteConnection, type RemoteRegistration } from './dispatcher-nodes.ts';

export type { NodeLoad } from './dispatcher-nodes.ts';

export interface DispatcherOptions {
  config: SwarmConfig;
  /** Use this store instead of opening `[dispatcher] state_db_url` or `state_db_path`; the caller closes it. */
  store?: SwarmStore;
  clock?: Clock;
  random?: () => number;
  now?: () => number;
  logger?: SwarmLogger;
  /**
   * Whether remote workers can join (the long-lived dispatcher with its /workers route). Then
   * a task whose dispatch no node offers waits up to `[coordinator] node_wait_timeout` for one
   * to connect; otherwise (`swarm run`, an embedded dispatcher) it fails with NO_CAPABLE_NODE
   * at once, since no node can ever come.
   */
  acceptsRemoteNodes?: boolean;
}

/** A deployed run: its id, its eventual result, and control over it. */
export interface RunHandle {
  runId: string;
  result: Promise<RunResult>;
  cancel(reason?: string): void;
  pause(): void;
  resume(): void;
  /** Settled and total task counts, live task states, and a few of the active tasks' names, for progress displays. */
  progress(): { settled: number; total: number; live: Record<string, number>; active: { running: string[]; retrying: string[] } };
}

/**
 * The dispatcher process's runtime: the dispatcher actor, the swarm scheduler, the local
 * thread node and one RunCoordinator per active run, all journaled into one store.
 */
export class Dispatcher {
  readonly store: SwarmStore;
  private readonly ownsStore: boolean;
  private readonly journal: JournalRecorder;
  private readonly scheduler: SwarmScheduler;
  private readonly barrier: CommitBarrier;
  private readonly clock: Clock;
  private readonly log: SwarmLogger;
  private readonly actor;
  private readonly runs = new Map<string, RunCoordinator>();
  private readonly nodes: DispatcherNodes;
  private fatal: unknown = null;
  private started = false;
  private stopping: Promise<void> | null = null;
  private stopResolve: () => void = () => {};
  private stopReject: (err: unknown) => void = () => {};
  /** This process, as the owner of the runs it hosts (see src/run-owner.ts). */
  private readonly owner = currentOwner();
  /** Orphaned runs whose resume failed (see resumeOrphanedRuns). */
  private readonly unresumable = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: DispatcherOptions) {
    const { config } = options;
    checkTaskEngine(config.dispatcher.task_engine);
    this.ownsStore = !options.store;
    this.store = options.store ?? openConfiguredStore(config.dispatcher);
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? Logger.get('dispatcher');
    this.journal = new JournalRecorder({ store: this.store, clock: this.clock, now: options.now });
    this.journal.onError((err) => this.onStoreFailure(err));
    this.barrier = new CommitBarrier(this.journal, (err) => this.onStoreFailure(err));
    this.scheduler = new SwarmScheduler({
      priorityQueue: config.coordinator.priority_queue_enabled,
      loadBalancing: config.coordinator.enable_load_balancing,
      ...(options.acceptsRemoteNodes && {
        nodeWait: { ms: config.coordinator.node_wait_timeout, clock: this.clock, now: options.now ?? Date.now },
      }),
    });
    this.nodes = new DispatcherNodes({
      config,
      scheduler: this.scheduler,
      journal: this.journal,
      host: this.hostServices(),
      clock: this.clock,
      now: this.now,
      log: this.log,
      acceptsRemoteNodes: options.acceptsRemoteNodes ?? false,
    });
    this.actor = this.journal.createActor(
      dispatcherMachine.provide({
        actions: {
          beginShutdown: () => this.shutdown(),
        },
      }),
      { actorId: 'dispatcher', kind: 'dispatcher', runId: null, project: projectNothing },
    );
  }

  /** Starts the dispatcher actor and the local nodes (threads, backend processes). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.actor.start();
    this.nodes.startLocal();
    this.actor.send(dispatcherMessages.ready());
    this.journal.flush();
  }

  /**
   * Records a new run with all its tasks and starts it. `name` replaces the manifest's own name
   * as the run's name (start-dispatcher's `[dispatcher] workflow_name`, a deploy's `name`).
   * A replay names the run it replays and the results it carries over (see `replay`).
   */
  deploy(
    loaded: LoadedManifest,
    options: { replayOf?: string; name?: string; reuse?: ReadonlyMap<string, unknown> } = {},
  ): RunHandle {
    this.assertAccepting();
    const { manifest } = loaded;
    const runId = newRunId(new Date(this.now()));
    try {
      this.store.createRun(
        {
          id: runId,
          name: options.name ?? manifest.name,
          manifestSource: loaded.source,
          manifestFormat: loaded.format,
          manifest,
          manifestPath: loaded.path ?? null,
          metadata: manifest.metadata,
          totalTasks: manifest.symbols.length,
          replayOf: options.replayOf ?? null,
          createdAt: this.now(),
        },
        manifest.symbols.map((s) => ({ runId, name: s.name, priority: s.priority, dispatch: s.dispatch, dependencies: s.dependencies })),
      );
      this.store.setRunOwner(runId, this.owner);
    } catch (err) {
      throw storeWriteError(this.store.location, err);
    }
    const start = options.reuse && options.replayOf ? { reuse: { fromRun: options.replayOf, outputs: options.reuse } } : undefined;
    this.log.info({ runId, workflow: manifest.name, tasks: manifest.symbols.length, replayOf: options.replayOf }, 'run accepted');
    return this.host(runId, loaded, start);
  }

  /**
   * A new run that replays `runId`: its manifest (or `manifest`, an edited one), with the
   * results of what succeeded carried over instead of run again (see src/replay-plan.ts).
   */
  replay(runId: string, options: ReplayOptions & { manifest?: LoadedManifest } = {}): RunHandle & { plan: ReplayPlan } {
    const original = loadStoredRun(this.store, runId);
    const loaded = options.manifest ?? original.loaded;
    const plan = planReplay(original.loaded.manifest, original.tasks, loaded.manifest, options);
    const handle = this.deploy(loaded, { replayOf: original.run.id, name: original.run.name, reuse: plan.reuse });
    return { ...handle, plan };
  }

  /**
   * Takes up a run that was active when the process hosting it stopped (SIGKILL, a crash, a
   * power cut): settled tasks stay as they are — a succeeded task is never run again — and
   * tasks that were in flight run again as new attempts. Refused while the run's owner is
   * alive, so a live run is never hosted twice.
   */
  resume(runId: string): RunHandle {
    this.assertAccepting();
    const { run, loaded, tasks } = loadStoredRun(this.store, runId);
    if (run.status !== 'running' && run.status !== 'paused') {
      throw new UsageError(`Run ${runId} is ${run.status}; only an unfinished run can be resumed (replay it instead).`);
    }
    if (this.runs.has(runId)) throw new UsageError(`Run ${runId} is already active here.`);
    const owner = this.store.getRunOwner(runId);
    if (isOwnerAlive(owner)) {
      throw new UsageError(`Run ${runId} is still hosted by a live process (${owner}); stop that one first.`);
    }
    let claimed: boolean;
    try {
      claimed = this.store.claimRunOwner(runId, this.owner, owner);
    } catch (err) {
      throw storeWriteError(this.store.location, err);
    }
    if (!claimed) throw new UsageError(`Run ${runId} was just taken up by another process (${this.store.getRunOwner(runId)}).`);
    this.log.info({ runId, workflow: loaded.manifest.name }, 'run resumed');
    const handle = this.host(runId, loaded, { resume: tasks });
    // A run stopped while it was being cancelled (only a cancel cancels tasks) stays cancelled.
    if (tasks.some((t) => t.status === 'cancelled')) handle.cancel('the run was being cancelled when it stopped');
    else if (run.status === 'paused') handle.pause();
    return handle;
  }

  /**
   * Compensates a finished run by hand (`swarm rollback`): the rollbacks of its succeeded
   * symbols run newest first, each journaled; the run ends `rolled_back`, or
   * `rollback_failed` if one of them failed. Symbols without a rollback are left as they are.
   */
  rollback(runId: string): RunHandle {
    this.assertAccepting();
    const { run, loaded, tasks } = loadStoredRun(this.store, runId);
    if (!isFinishedRun(run.status)) {
      const next = isInterrupted(this.store, run)
        ? `it is interrupted: ${resumeHint(runId)}; once it has finished (Ctrl-C there cancels it), roll it back`
        : `cancel it first where it runs (\`swarm cancel ${runId}\` on a dispatcher, Ctrl-C for a \`swarm run\`), then roll it back`;
      throw new UsageError(`Run ${runId} is ${run.status}: ${next}.`);
    }
    if (run.status === 'rolled_back') throw new UsageError(`Run ${runId} is rolled back already.`);
    const plan = compensationPlan(run, loaded.manifest, tasks);
    if (plan.undo.length === 0) {
      const why =
        plan.left.length === 0 ? 'none of its symbols succeeded' : plan.left.map((l) => `"${l.name}": ${l.why}`).join('; ');
      throw new UsageError(`Run ${runId} has nothing to roll back: ${why}.`);
    }
    if (this.runs.has(runId)) throw new UsageError(`Run ${runId} is already active here.`);
    try {
      this.store.setRunOwner(runId, this.owner);
    } catch (err) {
      throw storeWriteError(this.store.location, err);
    }
    this.log.info({ runId, workflow: loaded.manifest.name }, 'rolling back a finished run');
    return this.host(runId, loaded, { compensate: tasks });
  }

  /** Resumes every unfinished run whose owner is gone; returns their handles. */
  resumeOrphanedRuns(): RunHandle[] {
    // Ids first: reading every unfinished run with its manifest would cost a large run's
    // manifest decode each time, though most of them are this dispatcher's own or alive.
    const orphans = this.store
      .listUnfinishedRunIds()
      .filter((id) => !this.runs.has(id) && !this.unresumable.has(id) && !isOwnerAlive(this.store.getRunOwner(id)));
    const handles: RunHandle[] = [];
    for (const id of orphans) {
      try {
        handles.push(this.resume(id));
      } catch (err) {
        // One run that cannot be resumed must not keep the others (or the dispatcher) down,
        // and is not tried (and logged) again on every scan.
        if (this.fatal) throw err;
        this.unresumable.add(id);
        this.log.error({ runId: id, err }, 'an unfinished run could not be resumed; resume it by hand with swarm run --resume');
      }
    }
    return handles;
  }

  /** Why this dispatcher refuses every run (the store refused a write), or null while it works. */
  get failure(): Error | null {
    return this.fatal === null ? null : (this.fatal as Error);
  }

  private assertAccepting(): void {
    if (!this.started) this.start();
    if (this.stopping) {
      throw new SwarmError('DISPATCHER_UNREACHABLE', 'The dispatcher is stopping and accepts no new runs.');
    }
    if (this.fatal) throw this.fatal;
  }

  /** Starts the run coordinator of a recorded run and hands out its handle. */
  private host(runId: string, loaded: LoadedManifest, start?: RunStart): RunHandle {
    const { coordinator, dispatcher } = this.options.config;
    const run = new RunCoordinator(
      {
        store: this.store,
        journal: this.journal,
        scheduler: this.scheduler,
        barrier: this.barrier,
        clock: this.clock,
        random: this.options.random ?? Math.random,
        backoff: { base: coordinator.retry_backoff_base, max: coordinator.retry_backoff_max },
        taskEngine: dispatcher.task_engine,
        cancelGraceMs: dispatcher.shutdown_grace,
        onFinished: (r, status) => this.onRunFinished(r, status),
      },
      runId,
      loaded,
      start,
    );
    this.runs.set(runId, run);
    this.actor.send(dispatcherMessages.runAccepted(runId));
    run.start();
    return {
      runId,
      result: run.finished,
      cancel: (reason = 'cancelled by request') => run.cancel(reason),
      pause: () => run.pause(),
      resume: () => run.resume(),
      progress: () => ({ settled: run.settledCount, total: run.total, live: run.liveStates(), active: run.activeNames() }),
    };
  }

  /** The nodes work can go to now: the local nodes and the connected workers. */
  nodeLoads(): NodeLoad[] {
    return this.nodes.loads();
  }

  /** Makes a registered remote worker a node of the swarm (see DispatcherNodes.attachRemote). */
  attachRemoteNode(registration: RemoteRegistration, io: RemoteConnection): RemoteNodeBridge {
    if (this.stopping) throw new SwarmError('DISPATCHER_UNREACHABLE', 'The dispatcher is stopping.');
    return this.nodes.attachRemote(registration, io);
  }

  /** Ready tasks waiting in the swarm-wide queue for a free slot. */
  queuedCount(): number {
    return this.scheduler.queuedCount();
  }

  /** Cancels active runs (running tasks get `shutdown_grace` to finish), drains nodes, persists. */
  stop(): Promise<void> {
    if (!this.started) {
      if (this.ownsStore) this.store.close();
      return Promise.resolve();
    }
    if (!this.stopping) {
      this.stopping = new Promise<void>((resolve, reject) => {
        this.stopResolve = resolve;
        this.stopReject = reject;
      });
      this.actor.send(dispatcherMessages.stop());
    }
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    let failure: unknown = null;
    try {
      const active = [...this.runs.values()];
      for (const run of active) run.cancel('the dispatcher is stopping');
      // allSettled: a run abandoned by a store failure rejects, and must not stop the drain.
      await Promise.allSettled(active.map((run) => run.finished));
    } finally {
      this.scheduler.close();
      // Threads and the store are released on every path, or the process would stay alive.
      try {
        await this.nodes.close(this.options.config.dispatcher.shutdown_grace);
        this.actor.send(dispatcherMessages.drained());
        if (!this.fatal) this.journal.flush();
      } catch (err) {
        failure = storeWriteError(this.store.location, err);
      }
      if (this.ownsStore) this.store.close();
    }
    if (failure) this.stopReject(failure);
    else this.stopResolve();
  }

  private onRunFinished(run: RunCoordinator, status: RunStatus): void {
    this.runs.delete(run.runId);
    this.actor.send(dispatcherMessages.runFinished(run.runId, status));
    this.log.info({ runId: run.runId, status }, 'run finished');
  }

  /**
   * The journal cannot be written: every active run is abandoned (its result promise rejects
   * with a STORE_UNAVAILABLE error, exit code 3) and no new run is accepted. Going on would
   * run tasks whose outcome could not be recorded, and cancelling cleanly would need writes.
   */
  private onStoreFailure(cause: unknown): void {
    if (this.fatal) return;
    const err = storeWriteError(this.store.location, cause);
    this.fatal = err;
    this.log.error({ err: cause }, 'the state database refused a write; all runs stopped');
    for (const run of this.runs.values()) run.abandon(err);
    this.runs.clear();
  }

  private hostServices(): HostServices {
    const threadLog = Logger.get('task');
    return {
      stateGet: (key) => this.store.stateGet(key),
      stateSet: (key, value) => {
        // Refused before the store: a value JSON cannot write would otherwise surface as a
        // RangeError from deep inside it (a worker's frame can nest deeper than stringify goes).
        const problem = jsonProblem(value);
        if (problem) {
          const shownKey = key.length > 100 ? `${key.slice(0, 99)}…` : key;
          throw new SwarmError('OPERATION_FAILED', `state.set "${shownKey}": the value cannot be stored as JSON: ${problem.message}.`);
        }
        this.store.stateSet(key, value);
      },
      // A module's `log(message, level)` passes any string as the level: an unknown one is info.
      log: (level, message, fields) => threadLog[LOG_LEVELS.includes(level) ? level : 'info'](fields, String(message)),
    };
  }
}
