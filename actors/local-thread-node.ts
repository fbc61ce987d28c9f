import * as Comlink from 'comlink';
import { randomBytes } from 'node:crypto';
import { Piscina } from 'piscina';
import type { Clock } from '../src/clock.ts';
import { serializeError } from '../src/errors.ts';
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../src/execution.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import { nodeMessages } from '../src/messages.ts';
import type {
  BatchCall,
  BatchResult,
  HostServices,
  MainToThreadMessage,
  ThreadToMainMessage,
} from './executor/thread-protocol.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import { startNodeActor } from './node-actor.ts';
import type { AttemptSink, NodeRuntime } from './node-runtime.ts';

export interface LocalThreadNodeOptions {
  id?: string;
  threads: number;
  tasksPerThread: number;
  /**
   * Journals the node actor's transitions. A remote worker process, which keeps no journal of
   * its own (the dispatcher journals its node), leaves it out.
   */
  journal?: JournalRecorder;
  host: HostServices;
  clock: Clock;
  /** How long an aborted attempt may take to stop on its own before its thread is terminated. */
  abortGraceMs?: number;
  /** Called whenever slots free up, so the scheduler can hand out more work. */
  onCapacity: () => void;
  now?: () => number;
}

interface Batch {
  controller: AbortController;
}

interface InFlight {
  request: ExecutionRequest;
  sink: AttemptSink;
  batch: Batch;
  /** Set once an abort was asked for: the timer that re-posts it, then terminates the thread. */
  abortTimer: unknown;
}

interface Pending {
  request: ExecutionRequest;
  sink: AttemptSink;
}

/** How long an aborted attempt may take to stop before its thread is terminated. */
export const ABORT_GRACE_MS = 2_000;

/** How often an abort is posted again until the thread acknowledges it with an outcome. */
const ABORT_REPOST_MS = 100;

const THREAD_ENTRY = new URL('./executor/thread-entry.ts', import.meta.url).href;

/**
 * The local node: a piscina pool of worker threads, each running one batch of at most
 * `tasksPerThread` requests at a time (see executor/thread-protocol.ts for why batches).
 *
 * One batch per thread is not a choice but piscina's rule: a call that carries an AbortSignal
 * (ours all do, so a thread stuck in synchronous code can be terminated) has its thread to
 * itself. So the unit of capacity is the thread: its slots are free again when its batch
 * call resolves, not when each request reports. Outcomes still stream back one by one, so
 * dependents of a fast request start while its slow batch-mates run.
 *
 * Aborting is two-step: the thread is asked to abort the request (its AbortSignal fires;
 * `delay` and well-behaved modules stop at once). The request may not have reached the
 * thread yet (a booting thread, or the call still in flight), so the ask is repeated every
 * 100 ms, and the thread also remembers aborts for requests it has not started. If no
 * outcome arrives within `abortGraceMs`, the whole piscina call is aborted, which terminates
 * that thread: its batch-mates then fail with WORKER_CRASHED and are retried like any failed
 * attempt — the price of being able to stop synchronous code at all.
 */
export class LocalThreadNode implements NodeRuntime {
  readonly id: string;
  readonly capabilities: ReadonlySet<DispatchTarget> = new Set<DispatchTarget>(['internal']);
  readonly capacity: number;
  private readonly threads: number;
  private readonly perThread: number;
  private readonly pool: Piscina;
  private readonly actor;
  private readonly inFlight = new Map<string, InFlight>();
  private pending: Pending[] = [];
  private flushQueued = false;
  /** Batch calls not yet resolved: one per busy thread. */
  private busyThreads = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly ended = { runId: '', count: 0 };
  private readonly channel: BroadcastChannel;
  private readonly channelName = `swarm-node-${randomBytes(6).toString('hex')}`;

  constructor(private readonly options: LocalThreadNodeOptions) {
    this.id = options.id ?? 'local';
    this.threads = Math.max(1, options.threads);
    this.perThread = Math.max(1, options.tasksPerThread);
    this.capacity = this.threads * this.perThread;
    this.pool = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: this.threads,
      maxThreads: this.threads,
      // 'disabled' keeps a thread's event loop free while its batch runs, so abort messages
      // and timers inside it are handled promptly.
      atomics: 'disabled',
      idleTimeout: Infinity,
    });
    // A thread dying outside any call (rare) must not take the process down.
    this.pool.on('error', () => {});
    this.channel = new BroadcastChannel(this.channelName);
    Comlink.expose(options.host, this.channel);
    this.channel.addEventListener('message', (event: { data: unknown }) => {
      const message = event.data as ThreadToMainMessage;
      if (message?.type !== 'outcomes') return;
      for (const o of message.outcomes) this.onOutcome(o.key, o.outcome);
      this.reportEnded();
    });
    this.actor = startNodeActor({
      ...(options.journal && { journal: options.journal }),
      nodeId: this.id,
      kind: 'local',
      capabilities: this.capabilities,
      capacity: this.capacity,
      startedAt: (options.now ?? Date.now)(),
    });
  }

  freeSlots(): number {
    return this.closed ? 0 : (this.threads - this.busyThreads) * this.perThread - this.pending.length;
  }

  execute(request: ExecutionRequest, sink: AttemptSink): void {
    this.pending.push({ request, sink });
    if (!this.flushQueued) {
      this.flushQueued = true;
      // setImmediate, not a microtask: batch calls of several threads resolve as separate
      // messages in one loop turn, and the threads they free should be refilled together.
      setImmediate(() => this.flushPending());
    }
  }

  abort(key: string, reason: string): void {
    const entry = this.inFlight.get(key);
    if (!entry) {
      // Not sent to a thread yet: drop it from the pending batch and report it stopped.
      const index = this.pending.findIndex((p) => attemptKey(p.request) === key);
      if (index < 0) return;
      // Never reported to the node actor as started, so not reported as ended either.
      const [p] = this.pending.splice(index, 1);
      p.sink.finished(abortedOutcome(reason));
      this.wakeIdleWaiters();
      this.options.onCapacity();
      return;
    }
    if (entry.abortTimer !== null) return;
    const message: MainToThreadMessage = { type: 'abort', key, reason };
    const deadline = (this.options.abortGraceMs ?? ABORT_GRACE_MS) / ABORT_REPOST_MS;
    let asked = 0;
    const ask = () => {
      if (this.inFlight.get(key) !== entry) return;
      if (asked++ >= deadline) {
        entry.batch.controller.abort(new Error(reason));
        return;
      }
      this.channel.postMessage(message);
      entry.abortTimer = this.options.clock.setTimeout(ask, ABORT_REPOST_MS);
    };
    ask();
  }

  /**
   * Takes no new work, waits up to `deadlineMs` for the running batches to end, then
   * terminates the threads (whatever still runs is abandoned) and releases the channel.
   */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closed = true;
    if (this.busyThreads > 0 || this.pending.length > 0) {
      let timer: unknown = null;
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        timer = this.options.clock.setTimeout(() => resolve(), deadlineMs);
      });
      this.options.clock.clearTimeout(timer);
    }
    for (const entry of this.inFlight.values()) {
      if (entry.abortTimer !== null) this.options.clock.clearTimeout(entry.abortTimer);
    }
    this.actor.send(nodeMessages.drain());
    this.channel.close();
    await this.pool.destroy();
  }

  private flushPending(): void {
    this.flushQueued = false;
    const work = this.pending;
    this.pending = [];
    if (work.length === 0) return;
    this.actor.send(nodeMessages.attemptsStarted(work[0].request.runId, work.length));
    // One batch per free thread, as even as possible: CPU-bound requests spread over the
    // threads, and no batch exceeds tasks_per_thread (freeSlots never lets it).
    const free = this.threads - this.busyThreads;
    const batches = Math.max(1, Math.min(free, work.length));
    const size = Math.ceil(work.length / batches);
    for (let i = 0; i < work.length; i += size) this.sendBatch(work.slice(i, i + size));
  }

  private sendBatch(work: Pending[]): void {
    const batch: Batch = { controller: new AbortController() };
    const requests = work.map((w) => w.request);
    for (const w of work) this.inFlight.set(attemptKey(w.request), { ...w, batch, abortTimer: null });
    this.busyThreads++;
    const call: BatchCall = { channel: this.channelName, requests };
    this.pool.run(call, { signal: batch.controller.signal }).then(
      (result: BatchResult) => {
        try {
          for (const o of result.outcomes) this.onOutcome(o.key, o.outcome);
        } finally {
          this.batchDone();
        }
      },
      (err: unknown) => {
        // The thread died (crash, or terminated by a hard abort): every request of this
        // batch that has not reported fails now. An outcome still in flight on the channel
        // is then ignored: the attempt may have run (at least once), but it failed here.
        const error = serializeError(err);
        for (const request of requests) {
          const key = attemptKey(request);
          if (!this.inFlight.has(key)) continue;
          this.onOutcome(key, {
            ok: false,
            retryable: true,
            error: {
              name: 'WorkerCrashedError',
              code: 'WORKER_CRASHED',
              message: `the worker thread running this attempt stopped: ${error.message}`,
              ...(error.stack ? { stack: error.stack } : {}),
            },
          });
        }
        this.batchDone();
      },
    );
    for (const w of work) w.sink.started();
  }

  private batchDone(): void {
    this.reportEnded();
    this.busyThreads--;
    this.wakeIdleWaiters();
    this.options.onCapacity();
  }

  private wakeIdleWaiters(): void {
    if (this.busyThreads === 0 && this.pending.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private onOutcome(key: string, outcome: ExecutionOutcome): void {
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.inFlight.delete(key);
    if (entry.abortTimer !== null) this.options.clock.clearTimeout(entry.abortTimer);
    if (this.ended.count++ === 0) this.ended.runId = entry.request.runId;
    entry.sink.finished(outcome);
  }

  /** Tells the node actor about attempts that ended since the last report, in one event. */
  private reportEnded(): void {
    if (this.ended.count === 0) return;
    this.actor.send(nodeMessages.attemptsEnded(this.ended.runId, this.ended.count));
    this.ended.count = 0;
  }
}

function abortedOutcome(reason: string): ExecutionOutcome {
  return { ok: false, retryable: true, error: { name: 'AbortError', code: 'TASK_CANCELLED', message: reason } };
}
