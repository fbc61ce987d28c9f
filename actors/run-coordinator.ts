import { dirname } from 'node:path';
import { OFF_NODE_TASK_STATES, type TaskContext } from '../machines/task-machine.ts';
import type { LoadedManifest, Manifest } from '../src/manifest/types.ts';
import { coordinatorMessages, taskMessages, type SettledTask, type TaskMessage } from '../src/messages.ts';
import { toRunSummary, type RunSummary } from '../src/run-result.ts';
import { RunGraph } from '../src/scheduling/run-graph.ts';
import type { RunStatus, TaskStatus } from '../src/store/types.ts';
import { AwaitingCommit } from './awaiting-commit.ts';
import type { AfterCommit } from './commit-barrier.ts';
import type { RunEnvironment } from './run-environment.ts';
import { RunFrontier } from './run-frontier.ts';
import { RunJobQueue } from './run-job-queue.ts';
import { LiveTasks } from './live-tasks.ts';
import { runTaskMachine } from './run-task-machine.ts';
import { rollbackTimeoutOf, taskInputOf } from './run-inputs.ts';
import { TaskAttempts } from './task-attempts.ts';
import { runSymbols, type RunSymbols } from './run-symbols.ts';
import { TaskOutputs } from './task-outputs.ts';
import { CoordinatorActor } from './coordinator-actor.ts';
import { planStart, type RunStart, type StartPlan } from './run-start.ts';
import { compensationPlanOf, RunCompensation } from './run-compensation.ts';
import { projectTask } from './journal/projections.ts';
import type { NodeRuntime } from './node-runtime.ts';
import type { JobOwner, ReadyJob } from './swarm-scheduler.ts';
import type { TaskActorLike } from './task-engine/compiled-task-actor.ts';
import { taskActorFactory, type NewTaskActor } from './task-engine/task-engine.ts';

type TaskActor = TaskActorLike<TaskContext>;
/**
 * What a cancel settles at once, with no grace period: tasks with nothing on a node, and those
 * sent to one that has not started them (a thread still starting, work held ahead on a worker),
 * which the node is told to drop. Only started attempts get the grace to finish.
 */
const NOT_STARTED: ReadonlySet<string> = new Set([...OFF_NODE_TASK_STATES, 'assigned']);
const DEPS_MET = taskMessages.depsMet();

/**
 * The host side of one run: owns its coordinator actor, the task actors of its frontier, the
 * dependency graph, and the hand-off between them and the swarm scheduler. The machines
 * decide; this class does.
 *
 * Memory follows the frontier, not the run: a task gets an actor only when it is about to be
 * queued. Tasks whose dependencies are done wait as plain indexes in `runnable` (priority
 * order) and are activated just enough to keep every slot of the swarm fed plus a margin;
 * settled tasks drop their actor at once. A 100k-task fan-out holds ~100 actors, not 100k.
 */
export class RunCoordinator implements JobOwner, AfterCommit {
  readonly runId: string;
  readonly finished: Promise<RunSummary>;
  private readonly graph: RunGraph;
  private readonly symbols: RunSymbols;
  /** The manifest without its symbols (`symbols` has them): what is run-wide. */
  private readonly manifest: Manifest;
  private readonly baseDir: string | null;
  private readonly newTask: NewTaskActor;
  private readonly coordinator: CoordinatorActor;
  private readonly live: LiveTasks<TaskActor>;
  private readonly attempts: TaskAttempts;
  private readonly outputs: TaskOutputs;
  private readonly frontier: RunFrontier;
  private readonly plan: StartPlan;
  /** What waits for the commit of the rows that allow it (dependents, the next rollback, the end). */
  private readonly awaiting = new AwaitingCommit();
  /** Settled tasks nobody waits on; handled in the next microtask. */
  private settledFree: number[] = [];
  private settleFreeQueued = false;
  private readonly jobs: RunJobQueue;
  /** Given up here (a store failure, or the run was taken over): nothing more may happen. */
  private abandoned = false;
  private compensation: RunCompensation | null = null;
  private cancelling = false;
  private graceTimer: unknown = null;
  private resolveFinished!: (summary: RunSummary) => void;
  private rejectFinished!: (err: unknown) => void;

  constructor(
    private readonly env: RunEnvironment,
    runId: string,
    loaded: LoadedManifest,
    start?: RunStart,
  ) {
    this.runId = runId;
    // Nothing here keeps the manifest's own symbols: a big run's are packed (run-symbols.ts),
    // and the deployer's copy can go once the run has started.
    const { symbols, ...head } = loaded.manifest;
    this.manifest = { ...head, symbols: [] };
    this.baseDir = loaded.path ? dirname(loaded.path) : null;
    this.graph = new RunGraph(symbols);
    this.symbols = runSymbols(symbols, this.graph.names, (i) => this.graph.dependencyNames(i));
    this.live = new LiveTasks();
    this.jobs = new RunJobQueue(this, env.scheduler);
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.outputs = new TaskOutputs(this.graph);
    this.attempts = new TaskAttempts(runId, this.symbols, this.baseDir, this.outputs, (i, message) => this.live.get(i)?.send(message));
    this.plan = planStart(this.graph, start);
    this.graph.forgetNameIndex();
    for (const i of this.plan.settled) this.outputs.settled(i);
    for (const [i, output] of this.plan.outputs) this.outputs.succeeded(i, output);
    this.frontier = new RunFrontier(
      Float64Array.from(symbols, (sym) => sym.priority),
      env.scheduler.priorityOrdered,
      () => env.scheduler.totalCapacity(),
      (i, message) => this.activate(i, message),
      (i) => this.plan.firstMessages.get(i) ?? DEPS_MET,
    );
    const tasks = runTaskMachine({
      indexOf: (name) => this.live.indexOf(name),
      onReady: (i) => this.onReady(i),
      readyLeft: () => this.frontier.readyLeft(),
      startAttempt: (i, attempt) => this.attempts.startAttempt(i, attempt),
      abort: (i, kind, attempt, reason) => this.attempts.abort(i, kind, attempt, reason),
      startRollback: (i) => this.enqueue(i, 'rollback'),
      onSettled: (i, status) => this.onSettled(i, status),
      random: env.random,
    });
    this.newTask = taskActorFactory(env.taskEngine, tasks, env.journal, env.clock);
    this.coordinator = new CoordinatorActor(env.journal, runId, loaded.manifest, {
      beginScheduling: () => this.beginScheduling(),
      pauseDispatching: () => this.jobs.park(),
      resumeDispatching: () => this.jobs.unpark(),
      cancelOutstanding: (reason) => this.cancelOutstanding(reason),
      beginCompensation: () => {
        // The rollbacks read the succeeded tasks' outputs from the store: commit first.
        this.awaiting.compensationRequested();
        this.env.barrier.request(this);
      },
      announceFinished: (status) => this.finishAfterCommit(status),
    });
  }

  start(): void {
    const { compensate, resumed } = this.plan;
    this.coordinator.start(compensate ? coordinatorMessages.compensate(compensate.settled, compensate.why) : coordinatorMessages.start(resumed));
  }

  private beginScheduling(): void {
    this.frontier.addRunnable([...this.plan.runnable, ...this.graph.takeRunnable()]);
    this.plan.runnable = [];
    for (const { indexes, because } of this.plan.skips) this.frontier.settleNeverRun(indexes, taskMessages.skip(because));
    this.plan.skips = [];
  }

  cancel(reason: string): void {
    this.coordinator.tell(coordinatorMessages.cancel(reason));
  }

  pause(): void {
    this.coordinator.tell(coordinatorMessages.pause());
  }

  /** How the run ends when all goes well (see RunHandle.goal). */
  get goal(): 'succeeded' | 'rolled_back' {
    return this.plan.compensate?.why === 'request' ? 'rolled_back' : 'succeeded';
  }

  /** The run's state as its coordinator has it (see CoordinatorActor.state). */
  get state(): string {
    return this.coordinator.state;
  }

  resume(): void {
    this.coordinator.tell(coordinatorMessages.resume());
  }

  /** Stops handing work to nodes (see RunEnvironment.mayDispatch); what runs goes on. */
  hold(): void {
    this.jobs.hold();
  }

  /** Hands work out again after a hold. */
  release(): void {
    this.jobs.release();
  }

  /** Compensating, or with a symbol's rollback in flight: rollbacks run to their end, a cancel does not stop them. */
  get rollingBack(): boolean {
    return this.state === 'compensating' || (this.live.states().rolling_back ?? 0) > 0;
  }

  /** Counts of live task actors by state, for progress displays. */
  liveStates(): Record<string, number> {
    return this.live.states();
  }

  /** Up to `max` names each of the tasks running now and of those waiting to retry. */
  activeNames(max = 3): { running: string[]; retrying: string[] } {
    return this.live.activeNames(max);
  }

  /** Settled tasks so far, those not yet counted by the coordinator included (see CoordinatorActor.counts). */
  settledCounts(): { settled: number; succeeded: number; failed: number } {
    return this.coordinator.counts(this.compensation === null ? this.live.states() : null);
  }

  get total(): number {
    return this.symbols.length;
  }

  // ---- task actors ---------------------------------------------------------------------------

  private activate(i: number, message: TaskMessage): void {
    const spec = this.symbols.at(i);
    const actor = this.newTask(
      { actorId: `task:${spec.name}`, kind: 'task', runId: this.runId, project: projectTask },
      taskInputOf(this.runId, this.manifest, spec, this.env.backoff),
    );
    this.live.add(i, actor, spec.name);
    actor.start();
    actor.send(message);
  }

  private onReady(i: number): void {
    this.frontier.readyEntered();
    if (this.cancelling) {
      // Became ready (a retry came due) after the run was cancelled.
      queueMicrotask(() => this.live.get(i)?.send(taskMessages.cancel('the run was cancelled')));
      return;
    }
    this.enqueue(i, 'run');
  }

  private enqueue(i: number, kind: ReadyJob['kind']): void {
    const spec = this.symbols.at(i);
    const target = kind === 'run' ? spec.dispatch : spec.rollback!.dispatch;
    this.jobs.enqueue({ owner: this, index: i, kind, priority: spec.priority, target });
  }

  // ---- JobOwner: the scheduler hands over a job with the node chosen for it -----------------

  dispatch(job: ReadyJob, node: NodeRuntime): void {
    const actor = this.live.get(job.index);
    if (!actor) return;
    if (!this.env.mayDispatch(this.runId)) {
      this.jobs.holdBack(job);
      return;
    }
    this.attempts.assigned(job.index, node);
    if (job.kind === 'run') {
      actor.send(taskMessages.assign(node.id));
      return;
    }
    const { context } = actor.getSnapshot();
    this.attempts.startRollback(job.index, context.attempt, context.output);
  }

  unservable(job: ReadyJob, reason: string): void {
    const actor = this.live.get(job.index);
    const error = { name: 'NoCapableNodeError', code: 'NO_CAPABLE_NODE', message: reason };
    actor?.send(job.kind === 'run' ? taskMessages.unservable(error) : taskMessages.rollbackFailed(error));
  }

  // ---- settling: right after a task's terminal state is recorded --------------------------------

  private onSettled(i: number, status: TaskStatus): void {
    if (this.compensation) {
      // The next rollback starts once this one's end is durable: after a crash, a rollback that
      // had finished must read as finished, not run again (rollbacks are rarely idempotent).
      this.awaiting.compensationEnded({ i, status });
      this.env.barrier.request(this);
      return;
    }
    // Only dependents waiting to start need the terminal state durable first; a skip or a
    // count can be redone from the journal, so everything else settles without a commit.
    if (status === 'succeeded' && this.graph.dependentCount(i) > 0) {
      this.awaiting.settledTask(i);
      this.env.barrier.request(this);
      return;
    }
    this.settledFree.push(i);
    if (this.settleFreeQueued) return;
    this.settleFreeQueued = true;
    // Deferred: this runs inside the task's entry action, before its transition is recorded.
    queueMicrotask(() => {
      this.settleFreeQueued = false;
      const settled = this.settledFree;
      this.settledFree = [];
      this.settleAll(settled);
    });
  }

  beforeCommit(): void {
    this.awaiting.seal();
  }

  afterCommit(): void {
    if (this.abandoned) return;
    // A finish requested before this commit has its final transition durable now; one
    // requested while settling below (or while the commit was on its way) waits for the next.
    const { settled, compensated, compensation, finishing } = this.awaiting.take();
    this.settleAll(settled);
    if (compensation) this.startCompensation();
    for (const { i, status } of compensated) {
      this.dropActor(i);
      this.compensation?.settled(status);
    }
    if (finishing) this.complete(finishing);
  }

  /** Compensates the run's succeeded symbols (see RunCompensation); reports `run.compensated`. */
  private startCompensation(): void {
    const hasRollback = (i: number) => rollbackTimeoutOf(this.manifest, this.symbols.at(i)) !== null;
    const { succeeded, order } = compensationPlanOf(this.env.store, this.runId, this.graph, hasRollback);
    // Every succeeded output: a rollback's request carries its dependencies' outputs too.
    for (const t of succeeded) this.outputs.keep(this.graph.index(t.name), t.output);
    this.graph.forgetNameIndex();
    this.compensation = new RunCompensation(
      order,
      (i, message) => this.activate(i, message),
      (failed) => this.coordinator.tell(coordinatorMessages.compensated(failed)),
      this.plan.compensate?.failed ?? 0,
    );
    this.compensation.start();
  }

  private settleAll(indexes: number[]): void {
    const settled: SettledTask[] = [];
    for (const i of indexes) {
      const task = this.settle(i);
      if (task) settled.push(task);
    }
    if (settled.length > 0) this.coordinator.settled(settled, this.live.size === 0);
  }

  private settle(i: number): SettledTask | null {
    const actor = this.live.get(i);
    if (!actor) return null;
    const snapshot = actor.getSnapshot();
    const status = snapshot.value as TaskStatus;
    const task = snapshot.context.name;
    this.dropActor(i);
    this.outputs.settled(i);
    if (status === 'succeeded') {
      this.outputs.succeeded(i, snapshot.context.output);
      this.frontier.addRunnable(this.graph.succeeded(i));
    } else {
      this.frontier.settleNeverRun(this.graph.blocked(i), taskMessages.skip(task));
    }
    return { task, status };
  }

  private dropActor(i: number): void {
    this.live.drop(i);
    this.attempts.forget(i);
    this.plan.firstMessages.delete(i);
  }

  // ---- pause / cancel / finish --------------------------------------------------------------

  private cancelOutstanding(reason: string): void {
    this.cancelling = true;
    this.jobs.dropRunJobs();
    const cancel = taskMessages.cancel(reason);
    for (const actor of this.live.actors()) {
      if (NOT_STARTED.has(actor.getSnapshot().value as string)) actor.send(cancel);
    }
    this.frontier.settleNeverRun([...this.frontier.takeRunnable(), ...this.graph.takeUndecided()], cancel);
    // Started attempts get the grace period to finish on their own. A symbol rolling back its
    // failure is not cut short: its rollback runs to its end within its own timeout, as a
    // compensation does, or the symbol would end `cancelled` with its failure and a half-done
    // undo hidden (a dispatcher that stops leaves such a run for resume instead: Dispatcher).
    this.graceTimer = this.env.clock.setTimeout(() => {
      for (const actor of this.live.actors()) if (actor.getSnapshot().value !== 'rolling_back') actor.send(cancel);
    }, this.env.cancelGraceMs);
  }

  private finishAfterCommit(status: RunStatus): void {
    this.awaiting.finish(status);
    this.env.barrier.request(this);
  }

  /**
   * Gives the run up without finishing it: the journal can no longer be written, or the run was
   * taken over by another process, so nothing more may happen here. Attempts on nodes are
   * aborted; the run stays as the database has it (`running`), for whoever hosts it next.
   */
  abandon(err: unknown): void {
    if (this.graceTimer !== null) this.env.clock.clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.abandoned = true;
    this.cancelling = true;
    this.frontier.halt();
    this.jobs.clear();
    for (const [i, actor] of this.live.entries()) {
      // Stop what runs on nodes too, or a drain would wait for attempts nobody will record.
      const { value, context } = actor.getSnapshot();
      if (value === 'assigned' || value === 'running') this.attempts.abort(i, 'run', context.attempt, 'the run was abandoned');
      if (value === 'rolling_back') this.attempts.abort(i, 'rollback', context.attempt, 'the run was abandoned');
      actor.stop();
    }
    this.live.clear();
    this.coordinator.stop();
    this.rejectFinished(err);
  }

  private complete(status: RunStatus): void {
    if (this.graceTimer !== null) this.env.clock.clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.coordinator.stop();
    // The run as it ended, without its tasks: a million-task run's result is read only if
    // someone asks for it (RunHandle.result).
    let summary: RunSummary;
    try {
      summary = toRunSummary(this.env.store.getRunListing(this.runId)!);
    } catch (err) {
      this.env.onFinished(this, status);
      this.rejectFinished(err);
      return;
    }
    this.env.onFinished(this, status);
    this.resolveFinished(summary);
  }
}
