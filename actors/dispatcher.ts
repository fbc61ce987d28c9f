import { dispatcherMachine } from '../machines/dispatcher-machine.ts';
import { settlesWithin, systemClock, type Clock } from '../src/clock.ts';
import type { LoadedManifest } from '../src/manifest/types.ts';
import { plainCommandLine, type CommandLine } from '../src/command-line.ts';
import { RunLeftUnfinishedError, SwarmError, UsageError } from '../src/errors.ts';
import { dispatcherMessages } from '../src/messages.ts';
import { newRunId } from '../src/run-id.ts';
import { DispatcherGaveUpError, isTransientStoreFailure, openConfiguredStore, storeWriteError, type RunFencedError } from '../src/store/index.ts';
import type { RunStatus, SwarmStore } from '../src/store/types.ts';
import { Logger, type SwarmLogger } from '../src/logger.ts';
import { CommitBarrier } from './commit-barrier.ts';
import { storeHostServices } from './host-services.ts';
import { JournalRecorder } from './journal/journal-recorder.ts';
import { projectNothing } from './journal/projections.ts';
import { RunCoordinator } from './run-coordinator.ts';
import { recordNewRun } from './stored-run.ts';
import { runHandle, type RunHandle } from './run-handle.ts';

export type { RunHandle } from './run-handle.ts';
import { SwarmScheduler } from './swarm-scheduler.ts';
import { countByStatus, type RunStart } from './run-start.ts';
import { planStoredReplay, type PlannedReplay } from './run-replay.ts';
import type { DispatcherOptions } from './dispatcher-options.ts';
import { compensationUnderway, takeUpToResume, wasBeingCancelled, takeUpToRollBack } from './run-takeup.ts';
import { activeRunConflict } from './active-run-conflict.ts';
import type { ReplayOptions, ReplayPlan } from '../src/replay-plan.ts';
import { currentOwner } from '../src/run-owner.ts';
import { RunCustody } from './leases/run-custody.ts';
import type { StoreOutageReport } from './leases/store-outage.ts';
import { checkTaskEngine } from './task-engine/task-engine.ts';
import type { RemoteNodeBridge } from './remote-node-bridge.ts';
import { DispatcherNodes, type NodeLoad, type RemoteConnection, type RemoteRegistration } from './dispatcher-nodes.ts';
import { collectBeforeRecordingBigRun, collectSoonAfterBigRunStarts } from '../src/garbage-collection.ts';

export type { NodeLoad } from './dispatcher-nodes.ts';
export type { DispatcherOptions } from './dispatcher-options.ts';
export type { PlannedReplay } from './run-replay.ts';

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
  /** The runs' leases, takeovers and store outages (actors/leases/). */
  private readonly custody: RunCustody;
  /** How its hints write a swarm command (DispatcherOptions.commandLine). */
  private readonly commandLine: CommandLine;

  constructor(private readonly options: DispatcherOptions) {
    const { config } = options;
    checkTaskEngine(config.dispatcher.task_engine);
    this.ownsStore = !options.store;
    this.store = options.store ?? openConfiguredStore(config.dispatcher);
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? Logger.get('dispatcher');
    this.commandLine = options.commandLine ?? plainCommandLine;
    this.custody = new RunCustody({
      commandLine: this.commandLine,
      store: this.store,
      owner: this.owner,
      leaseMs: config.coordinator.heartbeat_timeout,
      outageLimitMs: config.dispatcher.db_outage_timeout,
      log: this.log,
      host: {
        runs: this.runs,
        giveUp: (runId, why) => this.giveUp(runId, why),
        fail: (err) => this.failHard(err),
        storeFailed: (err) => this.onStoreFailure(err),
        retryJournal: () => this.journal.retry(),
        resumeCommits: () => this.barrier.resume(),
      },
    });
    this.journal = new JournalRecorder({ store: this.store, clock: this.clock, now: options.now, fencing: this.custody.fencing });
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
      host: storeHostServices(this.store),
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
    this.custody.start();
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
    const { lease, acquiredAt } = this.custody.newRunLease();
    collectBeforeRecordingBigRun(manifest.symbols.length);
    recordNewRun(this.store, runId, loaded, { name: options.name, replayOf: options.replayOf, lease, createdAt: this.now() });
    this.custody.adoptNewRun(runId, acquiredAt);
    const start = options.reuse && options.replayOf ? { reuse: { fromRun: options.replayOf, outputs: options.reuse } } : undefined;
    this.log.info({ runId, workflow: manifest.name, tasks: manifest.symbols.length, replayOf: options.replayOf }, 'run accepted');
    return this.host(runId, loaded, start);
  }

  /**
   * A new run that replays `runId`: its manifest (or `manifest`, an edited one), with the
   * results of what succeeded carried over instead of run again (see src/replay-plan.ts).
   */
  replay(runId: string, options: ReplayOptions & { manifest?: LoadedManifest } = {}): RunHandle & { plan: ReplayPlan } {
    return this.startReplay(this.planReplay(runId, options));
  }

  /** What a replay of the stored run would reuse and run again; nothing starts (see startReplay). */
  planReplay(runId: string, options: ReplayOptions & { manifest?: LoadedManifest } = {}): PlannedReplay {
    this.refuseReplayOfActive(runId);
    return planStoredReplay(this.store, runId, { ...options, commandLine: this.commandLine });
  }

  startReplay({ original, loaded, plan }: PlannedReplay): RunHandle & { plan: ReplayPlan } {
    this.refuseReplayOfActive(original.run.id);
    // A name the original was given (`workflow_name`, a deploy's) carries over; else the name
    // is the manifest's own, which an edited manifest may have changed.
    const given = original.run.name !== original.loaded.manifest.name;
    const name = given ? original.run.name : loaded.manifest.name;
    const handle = this.deploy(loaded, { replayOf: original.run.id, name, reuse: plan.reuse });
    return { ...handle, plan };
  }

  /** Both would run what the original has not finished yet (a paused one can be resumed). */
  private refuseReplayOfActive(runId: string): void {
    const active = this.runs.get(runId);
    if (active) throw activeRunConflict(runId, active.state, 'replay');
  }

  /**
   * Takes up a run that was active when the process hosting it stopped (SIGKILL, a crash, a
   * power cut) or stopped renewing its lease (a partition, a pause): settled tasks stay as they
   * are — a succeeded task is never run again — and tasks that were in flight run again as new
   * attempts; a run stopped while it was compensating goes on compensating. Refused while the
   * run's owner holds it (alive, lease running), so a live run is never hosted twice.
   */
  resume(runId: string): RunHandle {
    this.assertAccepting();
    if (this.runs.has(runId)) throw new UsageError(`Run ${runId} is already running here: there is nothing to resume (swarm resume ${runId} lets a paused one go on).`);
    const { run, loaded, tasks, takeover } = takeUpToResume(this.store, this.custody, runId);
    const { epoch, why, previous } = takeover;
    this.log.info({ runId, workflow: loaded.manifest.name, from: previous?.owner ?? null, epoch, why }, 'run resumed');
    // A compensation goes on to its end, as it would have (a cancel does not stop one either).
    const compensate = compensationUnderway(this.store, runId, tasks);
    if (compensate) return this.host(runId, loaded, { compensate });
    const handle = this.host(runId, loaded, { resume: tasks });
    // A run stopped while it was being cancelled stays cancelled.
    if (wasBeingCancelled(this.store, runId, tasks)) handle.cancel('the run was being cancelled when it stopped');
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
    const active = this.runs.get(runId);
    if (active) throw activeRunConflict(runId, active.state, 'rollback');
    const { loaded, tasks } = takeUpToRollBack(this.store, this.custody, runId, this.commandLine);
    this.log.info({ runId, workflow: loaded.manifest.name }, 'rolling back a finished run');
    return this.host(runId, loaded, { compensate: { why: 'request', settled: countByStatus(tasks), failed: 0 } });
  }

  /**
   * Resumes every unfinished run whose owner is gone — dead on this host, or its lease expired
   * whatever its host — and returns their handles. None during a store outage, nor once the
   * dispatcher has given up (see failHard).
   */
  resumeOrphanedRuns(): RunHandle[] {
    // Given up: it takes no run, and said why when it gave up (not again at every look).
    if (this.fatal !== null) return [];
    let orphans: string[];
    try {
      orphans = this.custody.orphans((id) => this.runs.has(id) || this.unresumable.has(id));
    } catch (err) {
      // An idle dispatcher touches the store only here: this is where it learns of an outage,
      // which /health and status then report while it retries. Not once it has given up.
      if (this.fatal === null && !this.stopping && this.custody.storeFailed(err)) return [];
      throw err;
    }
    const handles: RunHandle[] = [];
    for (const id of orphans) {
      try {
        handles.push(this.resume(id));
      } catch (err) {
        // One run that cannot be resumed must not keep the others (or the dispatcher) down,
        // and is not tried (and logged) again on every scan.
        if (this.fatal) throw err;
        // Another dispatcher was quicker, or the store did not answer this time: nothing wrong
        // with the run, which the next scan looks at again.
        if (err instanceof UsageError) continue;
        if (isTransientStoreFailure(err)) {
          this.log.warn({ runId: id, err }, 'an unfinished run could not be taken up yet; trying again at the next look');
          continue;
        }
        this.unresumable.add(id);
        this.log.error({ runId: id, err }, `an unfinished run could not be resumed; resume it by hand with \`${this.commandLine(['run', '--resume', id])}\``);
      }
    }
    return handles;
  }

  /** Why this dispatcher refuses every run (the store refused a write), or null while it works. */
  get failure(): Error | null {
    return this.fatal === null ? null : (this.fatal as Error);
  }

  /** The state database's outage while this dispatcher holds its runs and retries, or null. */
  get storeOutage(): StoreOutageReport | null {
    return this.custody.outageReport;
  }

  private assertAccepting(): void {
    if (!this.started) this.start();
    if (this.stopping) {
      throw new SwarmError('DISPATCHER_UNREACHABLE', 'The dispatcher is stopping and accepts no new runs.');
    }
    if (this.fatal) throw new DispatcherGaveUpError(this.fatal);
    // A new run could not be recorded, and would only join the held ones.
    if (this.custody.inOutage) throw storeWriteError(this.store.location, this.custody.outageError);
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
        mayDispatch: (id) => this.custody.mayDispatch(id),
        onFinished: (r, status) => this.onRunFinished(r, status),
      },
      runId,
      loaded,
      start,
    );
    collectSoonAfterBigRunStarts(run.total);
    this.runs.set(runId, run);
    this.actor.send(dispatcherMessages.runAccepted(runId));
    run.start();
    return runHandle(run, this.store);
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
    // Cancelling needs commits: during an outage the runs are left as the database has them,
    // for another dispatcher (or the next start) to take over.
    if (this.custody.inOutage) this.failHard(this.custody.outageError);
    try {
      const active = [...this.runs.values()];
      for (const run of active) run.cancel('the dispatcher is stopping');
      // allSettled: a run abandoned by a store failure rejects, and must not stop the drain.
      const ended = Promise.allSettled(active.map((run) => run.finished));
      // A cancel does not stop rollbacks (a half-undone run is no safer), and they may take
      // their whole timeouts, one after another: past the grace, a run still rolling back is
      // left as the database has it, for `swarm run --resume` or another dispatcher to finish.
      if (!(await settlesWithin(ended, this.options.config.dispatcher.shutdown_grace))) this.leaveRollingBack();
      await ended;
    } finally {
      this.scheduler.close();
      this.custody.stop();
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

  /** Stops here, unfinished, each run still rolling back (see shutdown); their rollbacks in flight are aborted. */
  private leaveRollingBack(): void {
    for (const run of [...this.runs.values()]) {
      if (!run.rollingBack) continue;
      const resume = ['run', '--resume', run.runId];
      const left = new RunLeftUnfinishedError(run.runId, this.commandLine(resume));
      this.log.warn({ runId: run.runId }, left.message);
      this.letGo(run, left);
    }
  }

  /** Stops hosting `run` here without finishing it: it stays as the database has it (RunCoordinator.abandon). */
  private letGo(run: RunCoordinator, why: Error): void {
    this.runs.delete(run.runId);
    run.abandon(why);
    this.actor.send(dispatcherMessages.runReleased(run.runId));
  }

  private onRunFinished(run: RunCoordinator, status: RunStatus): void {
    this.runs.delete(run.runId);
    this.custody.release(run.runId);
    this.actor.send(dispatcherMessages.runFinished(run.runId, status));
    this.log.info({ runId: run.runId, status }, 'run finished');
  }

  /**
   * The journal (or a lease renewal) could not be written. A failure that may pass (the server
   * is unreachable) is an outage: the runs are held and the store retried (RunCustody). Any
   * other, or an outage that lasts, is the end (failHard).
   */
  private onStoreFailure(cause: unknown): void {
    if (this.fatal) return;
    if (!this.stopping && this.custody.storeFailed(cause)) return;
    this.failHard(cause);
  }

  /**
   * Every active run is abandoned (its result promise rejects with a STORE_UNAVAILABLE error,
   * exit code 3) and no new run is accepted. Going on would run tasks whose outcome could not
   * be recorded, and cancelling cleanly would need writes.
   */
  private failHard(cause: unknown): void {
    if (this.fatal) return;
    this.custody.stop();
    const err = storeWriteError(this.store.location, cause);
    this.fatal = err;
    // The swarm's own error, with its code and advice: on a console its message, not the
    // driver's stack (a full disk is no bug); the log file keeps the cause and its stack.
    this.log.error({ err }, isTransientStoreFailure(cause) ? 'the state database could not be reached; all runs stopped' : 'the state database refused a write; all runs stopped');
    for (const run of this.runs.values()) run.abandon(err);
    this.runs.clear();
  }

  /**
   * The run's lease passed to another process (found by a commit or a renewal): it stops here
   * at once — attempts aborted, nothing more dispatched or written — without being marked
   * failed or cancelled, since it goes on where it is now.
   */
  private giveUp(runId: string, why: RunFencedError): void {
    const run = this.runs.get(runId);
    if (!run) return;
    this.log.warn(
      { runId, takenOverBy: why.owner, epoch: why.epoch },
      `run taken over by ${why.owner ?? 'no process'} (lease epoch ${why.epoch ?? '-'}): stopped here; nothing more is written for it`,
    );
    this.letGo(run, why);
  }
}
