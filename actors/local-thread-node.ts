import { settlesWithin } from '../src/clock.ts';
import { serializeError, SwarmError } from '../src/errors.ts';
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../src/execution.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import { nodeMessages } from '../src/messages.ts';
import { FlushScheduler } from './executor/flush-scheduler.ts';
import { InFlightRequests, type PendingRequest as Pending } from './executor/in-flight-requests.ts';
import type { ServedThread } from './executor/served-thread.ts';
import { attemptHost } from './executor/attempt-host.ts';
import { NodeThreadPool } from './executor/thread-pool.ts';
import { placeOnThreads } from './executor/thread-placement.ts';
import { machineCanSpin, type SpinStats } from './executor/idle-spin.ts';
import { threadCrashed, threadsCannotStart } from './executor/thread-failures.ts';
import { ThreadRestarts } from './executor/thread-restarts.ts';
import { AttemptCounter } from './attempt-counter.ts';
import { cancelled } from './backends/backend-outcome.ts';
import { QuickStreak } from './quick-streak.ts';
import type { ThreadReport } from './executor/thread-protocol.ts';
import { startNodeActor } from './node-actor.ts';
import { mayGiveBack, type AttemptSink, type NodeRuntime } from './node-runtime.ts';
import { ABORT_GRACE_MS, type LocalThreadNodeOptions } from './local-thread-node-options.ts';

export { ABORT_GRACE_MS, type LocalThreadNodeOptions } from './local-thread-node-options.ts';

/**
 * The local node: a piscina pool of worker threads, each serving one long call that runs up
 * to `tasksPerThread` requests at once (see executor/thread-protocol.ts). While requests are
 * quick, a thread may hold several times that, and gives back what it has not started when
 * one turns out slow (see quick-streak.ts).
 *
 * Aborting is two-step: the thread is asked to abort the request (its AbortSignal fires;
 * `delay` and well-behaved modules stop at once; a request still waiting on the thread ends
 * without starting). If no outcome arrives within `abortGraceMs`, the thread's call is
 * aborted, which terminates the thread: the other requests whose own code had begun there
 * then fail with WORKER_CRASHED and are retried like any failed attempt (the price of being
 * able to stop synchronous code at all), those whose code had not begun go to another thread,
 * and a new thread takes its place.
 */
export class LocalThreadNode implements NodeRuntime {
  readonly id: string;
  readonly capabilities: ReadonlySet<DispatchTarget> = new Set<DispatchTarget>(['internal']);
  readonly capacity: number;
  private readonly perThread: number;
  private readonly pool: NodeThreadPool;
  private readonly actor;
  private readonly counted: AttemptCounter;
  private readonly threads: ServedThread[] = [];
  private readonly inFlight: InFlightRequests;
  private pending: Pending[] = [];
  private readonly flushes = new FlushScheduler(() => this.flushPending());
  private closed = false;
  private readonly restarts: ThreadRestarts;
  /** Set when the threads cannot start: the outcome of everything the node is given after. */
  private broken: ExecutionOutcome | null = null;
  /** Whether threads may hold more than their slots now (see quick-streak.ts). */
  private readonly streak = new QuickStreak();
  private idleWaiters: (() => void)[] = [];
  private readonly canSpin = machineCanSpin();

  constructor(private readonly options: LocalThreadNodeOptions) {
    this.id = options.id ?? 'local';
    this.restarts = new ThreadRestarts(options.now ?? Date.now);
    this.inFlight = new InFlightRequests(options.clock);
    const threads = Math.max(1, options.threads);
    this.perThread = Math.max(1, options.tasksPerThread);
    this.capacity = threads * this.perThread;
    this.pool = new NodeThreadPool(threads, attemptHost(options.host, (key) => this.isLive(key)), options.threadEntry);
    // A thread dying outside any call must not take the process down. It is one that could
    // not start (its entry failed to load), and the calls waiting for a thread may then wait
    // for good: they end here, as lost threads (see onThreadLost), and count towards giving up.
    this.pool.onError((err: unknown) => {
      if (this.closed || this.broken) return;
      const cause = serializeError(err).message;
      if (this.restarts.lost(false).giveUp) return this.breakDown(cause);
      for (const thread of this.threads) if (!thread.reported) thread.terminate(cause);
    });
    for (let i = 0; i < threads; i++) this.threads.push(this.serveThread());
    this.actor = startNodeActor({
      ...(options.journal && { journal: options.journal }),
      nodeId: this.id,
      kind: 'local',
      capabilities: this.capabilities,
      capacity: this.capacity,
      startedAt: (options.now ?? Date.now)(),
    });
    // Once per loop turn: the reports of all threads in a turn make one event per kind.
    this.counted = new AttemptCounter(this.actor, setImmediate);
  }

  /** Whether the threads could not start (see ThreadRestarts): the node runs nothing. */
  get isBroken(): boolean {
    return this.broken !== null;
  }

  freeSlots(): number {
    if (this.closed || this.broken) return 0;
    const limit = this.heldPerThread();
    let free = -this.pending.length;
    for (const thread of this.threads) free += Math.max(0, limit - thread.held.size);
    return free;
  }

  attemptsHeld(): number {
    return this.inFlight.size + this.pending.length;
  }

  /** The process is alive at `at`: the node's row says so (a local node has no heartbeats). A broken node's row is left to age. */
  seen(at: number): void {
    if (!this.broken) this.actor.send(nodeMessages.heartbeat(at));
  }

  /** How the idle spins of its current threads went (actors/executor/idle-spin.ts). */
  spinStats(): SpinStats {
    const add = (sum: SpinStats, { caught, gaveUp }: SpinStats) => ({ caught: sum.caught + caught, gaveUp: sum.gaveUp + gaveUp });
    return this.threads.map((t) => t.spinStats()).reduce(add, { caught: 0, gaveUp: 0 });
  }

  execute(request: ExecutionRequest, sink: AttemptSink): void {
    const broken = this.broken;
    if (broken) {
      // Not within the caller's dispatch: an attempt ends after it was handed over, as always.
      queueMicrotask(() => sink.finished(broken));
      return;
    }
    this.pending.push({ request, sink });
    this.flushes.request();
  }

  abort(key: string, reason: string): void {
    const entry = this.inFlight.get(key);
    if (!entry) {
      // Not sent to a thread yet: drop it from the pending batch and report it stopped.
      const index = this.pending.findIndex((p) => attemptKey(p.request) === key);
      if (index < 0) return;
      // Reported to the node actor as ended only if it was as started (on a thread since lost).
      const [p] = this.pending.splice(index, 1);
      this.countEnded(p);
      p.sink.finished(cancelled(reason));
      this.wakeIdleWaiters();
      this.options.onCapacity();
      return;
    }
    if (entry.abortTimer !== null) return;
    entry.thread.abort(key, reason);
    entry.abortTimer = this.options.clock.setTimeout(() => {
      if (this.inFlight.get(key) === entry) entry.thread.terminate(reason);
    }, this.options.abortGraceMs ?? ABORT_GRACE_MS);
  }

  /** Whether attempt `key` runs here and no abort was asked for it: only then may it call the host. */
  private isLive(key: string): boolean {
    const entry = this.inFlight.get(key);
    return entry !== undefined && entry.abortTimer === null;
  }

  /**
   * Gives back every run request not started yet, through its sink's `returned` (a remote
   * worker's dispatcher asked for what the worker holds ahead): those waiting here at once,
   * those its threads hold once the threads answer. One that starts meanwhile runs.
   */
  giveBack(): void {
    const kept: Pending[] = [];
    const given: Pending[] = [];
    // One that started on a thread since lost was reported started: it is not given back.
    for (const p of this.pending) (mayGiveBack(p.request, p.sink) && !p.startedBefore ? given : kept).push(p);
    this.pending = kept;
    this.inFlight.markGivingBack();
    for (const thread of this.threads) if (thread.held.size > thread.running) thread.withdraw();
    for (const p of given) p.sink.returned!();
    if (given.length > 0) {
      this.wakeIdleWaiters();
      this.options.onCapacity();
    }
  }

  /**
   * Takes no new work, waits up to `deadlineMs` for the running requests to end, then
   * terminates the threads (whatever still runs is abandoned) and releases the channel.
   */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closed = true;
    if (this.inFlight.size > 0 || this.pending.length > 0) {
      await settlesWithin(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), deadlineMs, this.options.clock);
    }
    for (const entry of this.inFlight.values()) this.inFlight.clearAbortTimer(entry);
    // Threads end their calls on `close` once idle; whatever still runs past the deadline is
    // abandoned: destroying the pool terminates its thread.
    for (const thread of this.threads) thread.close();
    await settlesWithin(Promise.all(this.threads.map((t) => t.ended)), 1_000, this.options.clock);
    this.counted.report();
    this.actor.send(nodeMessages.drain());
    await this.pool.destroy();
  }

  private serveThread(): ServedThread {
    return this.pool.serve(
      this.perThread,
      this.perThread * this.streak.heldPerSlot,
      (thread, report) => this.onReport(thread, report),
      (thread, err) => this.onThreadLost(thread, err),
    );
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    // What finds no room (requests given back by threads) waits here, where the first thread
    // to free a slot takes it.
    const { batches, placed, alone } = placeOnThreads(this.pending, this.threads, this.heldPerThread());
    this.pending = placed === this.pending.length ? [] : this.pending.slice(placed);
    // Every thread's flag, not only the one sent to: one that spun alone before must not once
    // another thread holds work too.
    if (placed > 0) for (const thread of this.threads) thread.maySpin(this.canSpin && thread === alone);
    for (const { thread, items } of batches) {
      const requests: ExecutionRequest[] = [];
      const keys: string[] = [];
      for (const w of items) {
        const key = attemptKey(w.request);
        this.inFlight.sent(key, w, thread);
        requests.push(w.request);
        keys.push(key);
      }
      thread.run(requests, keys);
    }
  }

  /** How many requests a thread may hold now. */
  private heldPerThread(): number {
    return this.streak.limit(this.perThread);
  }

  private onReport(thread: ServedThread, report: ThreadReport): void {
    this.restarts.reported();
    // Quick: started and ended in the same thread turn (so in one report). One still running
    // at the end of the turn it started in ends the streak.
    const endedNow = report.outcomes.length > 0 && report.started.length > 0 ? new Map(report.outcomes.map((o) => [o.key, o.outcome])) : null;
    let runId = '';
    let started = 0;
    let ended = 0;
    for (const key of report.started) {
      // Started before its thread saw a withdraw: it runs here after all.
      const entry = this.inFlight.started(key);
      if (!entry) continue;
      if (runId === '') runId = entry.request.runId;
      // Started again after its first thread was lost: its start was told then.
      if (!entry.startedBefore) {
        started++;
        entry.sink.started();
      }
      // Its end right after its start: the task's two transitions are adjacent in the journal,
      // which stores them as one row (src/store/merged-transitions.ts).
      const outcome = endedNow?.get(key);
      if (outcome !== undefined) {
        ended++;
        this.streak.quick();
        this.inFlight.finish(key, entry, outcome);
      }
    }
    this.counted.count('started', runId, started);
    if (report.returned.length > 0) this.takeBack(report.returned);
    for (const o of report.outcomes) {
      const entry = this.inFlight.get(o.key);
      if (!entry) continue;
      if (entry.started || entry.startedBefore) {
        ended++;
        if (runId === '') runId = entry.request.runId;
      }
      // Reported early (before user code), it is quick if it ends by the thread's next report.
      if (entry.started && thread.startedEarly.delete(o.key)) this.streak.quick();
      this.inFlight.finish(o.key, entry, o.outcome);
    }
    this.counted.count('ended', runId, ended);
    const stillRunning = (key: string) => this.inFlight.get(key)?.started === true;
    let slow: boolean;
    if (report.early) {
      // Sent before user code ran: whether these are slow, the thread's next report tells.
      for (const key of report.started) if (stillRunning(key)) thread.startedEarly.add(key);
      slow = false;
    } else {
      slow = report.started.some(stillRunning) || [...thread.startedEarly].some(stillRunning);
      thread.startedEarly.clear();
    }
    if (slow) this.endQuickStreak();
    if (report.outcomes.length === 0 && !slow) return;
    if (this.pending.length > 0) this.flushes.request();
    this.wakeIdleWaiters();
    this.options.onCapacity();
  }

  /** A request outlasted its thread turn: threads hold no more than they run until a new streak. */
  private endQuickStreak(): void {
    if (!this.streak.slow()) return;
    for (const thread of this.threads) if (thread.held.size > thread.running) thread.withdraw();
  }

  /** Requests a thread gave back unstarted: out again, first, to threads with room. */
  private takeBack(keys: string[]): void {
    const back: Pending[] = [];
    let given = 0;
    for (const key of keys) {
      const out = this.inFlight.takeOut(key);
      if (!out) continue;
      const { entry } = out;
      if (out.given) {
        given++;
        entry.sink.returned!();
        continue;
      }
      if (entry.abortTimer !== null) {
        // Aborted while it waited on the thread: it ends here, never started (there).
        this.inFlight.clearAbortTimer(entry);
        this.countEnded(entry);
        entry.sink.finished(cancelled('attempt stopped'));
        continue;
      }
      back.push({ request: entry.request, sink: entry.sink, rescued: entry.rescued, startedBefore: entry.startedBefore });
    }
    this.putBack(back);
    if (given > 0) {
      // Room on the thread for what waits here, and maybe nothing left at all.
      if (this.pending.length > 0) this.flushes.request();
      this.wakeIdleWaiters();
      this.options.onCapacity();
    }
  }

  /** Requests that never started (given back, or held by a lost thread) go out again first. */
  private putBack(back: Pending[]): void {
    if (back.length === 0) return;
    this.pending = [...back, ...this.pending];
    this.flushes.request();
  }

  /**
   * The thread died (crash, or terminated by a hard abort). What had begun running code of its
   * own there (ServedThread.hasBegun) fails now (WORKER_CRASHED, retryable): the attempt may
   * have done part of its work, but failed here. The rest goes to another thread, once, and is
   * not failed for a neighbour's crash:
   * - what the thread never reported started: it may have begun it in its last turn, so it may
   *   run twice, which at-least-once allows;
   * - what it reported started whose own code never ran: a thread reports a turn's starts, and
   *   a module's before its import, ahead of the code, and the code of one request that never
   *   yields (a busy loop) keeps the others from ever running theirs. These stay `running`, in
   *   the same attempt, whose timeout goes on.
   * Operations that run user code report their start before it runs (OperationContext.reportNow),
   * so the crash's own attempt is seldom among the first; taking a request back only once bounds
   * the loop if it is. An outcome still in flight on the port is ignored. Unless the node is
   * closing, a new thread takes the dead one's place.
   */
  private onThreadLost(thread: ServedThread, err: unknown): void {
    const index = this.threads.indexOf(thread);
    if (index < 0) return;
    this.threads.splice(index, 1);
    // Ended by force, piscina says only "aborted": the reason it was ended says more.
    const error = thread.terminatedBecause !== null ? { message: thread.terminatedBecause, stack: undefined } : serializeError(err);
    if (!this.closed && !this.broken) {
      const restart = this.restarts.lost(thread.reported);
      if (restart.giveUp) this.breakDown(error.message);
      else if (restart.delayMs === 0) this.addThread();
      else this.options.clock.setTimeout(() => this.addThread(), restart.delayMs);
    }
    let runId = '';
    let ended = 0;
    const back: Pending[] = [];
    for (const key of [...thread.held.keys()]) {
      const entry = this.inFlight.get(key);
      if (!entry) continue;
      const runsAgain = !entry.rescued && entry.abortTimer === null && !this.closed && !this.broken;
      if (runsAgain && (!entry.started || !thread.hasBegun(key))) {
        // Asked for back before the thread died: given back, as asked (never one reported started).
        if (this.inFlight.takeOut(key)!.given) entry.sink.returned!();
        else back.push({ request: entry.request, sink: entry.sink, rescued: true, startedBefore: entry.started || entry.startedBefore });
        continue;
      }
      if ((entry.started || entry.startedBefore) && ended++ === 0) runId = entry.request.runId;
      this.inFlight.finish(key, entry, threadCrashed(error));
    }
    this.counted.count('ended', runId, ended);
    this.putBack(back);
    this.wakeIdleWaiters();
    this.options.onCapacity();
  }

  /** A replacement thread; what waits for room goes to it. */
  private addThread(): void {
    // Closing drains what is pending (requests a lost thread held), which needs a thread.
    if (this.broken || (this.closed && this.pending.length === 0)) return;
    this.threads.push(this.serveThread());
    this.flushes.request();
  }

  /** The threads cannot start: what waits and what comes fails, saying why, and the owner is told once. */
  private breakDown(cause: string): void {
    const broken = threadsCannotStart(cause);
    this.broken = broken;
    for (const p of this.pending.splice(0)) {
      this.countEnded(p);
      p.sink.finished(broken);
    }
    // What threads that never began to serve hold never started (there).
    for (const thread of this.threads) {
      for (const key of [...thread.held.keys()]) {
        const entry = this.inFlight.get(key);
        if (!entry || entry.started) continue;
        this.countEnded(entry);
        this.inFlight.finish(key, entry, broken);
      }
    }
    // Stops piscina starting threads; the calls still waiting for one end, and what they held fails.
    this.pool.stopStarting();
    this.wakeIdleWaiters();
    this.options.onBroken?.(new SwarmError('WORKER_CRASHED', broken.error.message));
  }

  /** `p` ends without a start on its current thread: the node actor counts it ended if it counted it started (on a thread since lost). */
  private countEnded(p: Pending): void {
    if (p.startedBefore) this.counted.count('ended', p.request.runId);
  }

  private wakeIdleWaiters(): void {
    if (this.inFlight.size === 0 && this.pending.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
