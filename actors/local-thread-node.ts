import * as Comlink from 'comlink';
import { randomBytes } from 'node:crypto';
import { Piscina } from 'piscina';
import { nodeMachine } from '../machines/node-machine.ts';
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
import { nodeProjector } from './journal/projections.ts';
import type { AttemptSink, NodeRuntime } from './node-runtime.ts';

export interface LocalThreadNodeOptions {
  id?: string;
  threads: number;
  tasksPerThread: number;
  journal: JournalRecorder;
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
  hardKill: unknown;
}

const MIN_BATCH = 4;

const THREAD_ENTRY = new URL('./executor/thread-entry.ts', import.meta.url).href;

/**
 * The local node: a piscina pool of worker threads. Requests assigned in the same tick are
 * sent as one batch per thread (see executor/thread-protocol.ts for why), outcomes stream
 * back per request.
 *
 * Aborting is two-step: first the thread is asked to abort the request (its AbortSignal
 * fires, and `delay` or a well-behaved module stops at once); if it has not answered after
 * `abortGraceMs`, the whole piscina call is aborted, which terminates that thread. Whatever
 * else was running in that thread fails with WORKER_CRASHED and is retried like any failed
 * attempt: the price of being able to stop synchronous code at all.
 */
export class LocalThreadNode implements NodeRuntime {
  readonly id: string;
  readonly capabilities: ReadonlySet<DispatchTarget> = new Set<DispatchTarget>(['internal']);
  readonly capacity: number;
  private readonly pool: Piscina;
  private readonly actor;
  private readonly inFlight = new Map<string, InFlight>();
  private pending: { request: ExecutionRequest; sink: AttemptSink }[] = [];
  private flushQueued = false;
  private running = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly ended = { runId: '', count: 0 };
  private readonly channel: BroadcastChannel;
  private readonly channelName = `swarm-node-${randomBytes(6).toString('hex')}`;

  constructor(private readonly options: LocalThreadNodeOptions) {
    this.id = options.id ?? 'local';
    this.capacity = Math.max(1, options.threads) * Math.max(1, options.tasksPerThread);
    this.pool = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Each batch is one piscina task; a thread may hold several batches at once because
      // the work inside is mostly async. 'disabled' keeps the thread's event loop free
      // between calls so abort messages and timers inside it are handled promptly.
      concurrentTasksPerWorker: this.capacity,
      atomics: 'disabled',
      idleTimeout: Infinity,
    });
    // A thread dying outside any call (rare) must not take the process down.
    this.pool.on('error', () => {});
    this.channel = new BroadcastChannel(this.channelName);
    Comlink.expose(options.host, this.channel);
    this.channel.addEventListener('message', (event: { data: unknown }) => {
      const message = event.data as ThreadToMainMessage;
      if (message?.type === 'outcomes') for (const o of message.outcomes) this.onOutcome(o.key, o.outcome);
      this.reportEnded();
    });
    const startedAt = (options.now ?? Date.now)();
    this.actor = options.journal.createActor(
      nodeMachine,
      {
        actorId: `node:${this.id}`,
        kind: 'node',
        runId: null,
        project: nodeProjector('local', [...this.capabilities], startedAt),
      },
      { nodeId: this.id, capacity: this.capacity },
    );
    this.actor.start();
  }

  freeSlots(): number {
    return this.closed ? 0 : this.capacity - this.running;
  }

  execute(request: ExecutionRequest, sink: AttemptSink): void {
    this.running++;
    this.pending.push({ request, sink });
    if (!this.flushQueued) {
      this.flushQueued = true;
      // setImmediate, not a microtask: outcomes from several threads arrive as separate
      // messages in one loop turn, and the slots they free should leave as one batch.
      setImmediate(() => this.flushPending());
    }
  }

  abort(key: string, reason: string): void {
    const entry = this.inFlight.get(key);
    if (!entry) {
      // Not sent to a thread yet: drop it from the pending batch and report it stopped.
      const index = this.pending.findIndex((p) => attemptKey(p.request) === key);
      if (index >= 0) {
        // Never reported to the node actor as started, so not reported as ended either.
        const [p] = this.pending.splice(index, 1);
        this.running--;
        p.sink.finished(abortedOutcome(reason));
        this.options.onCapacity();
      }
      return;
    }
    if (entry.hardKill !== null) return;
    const message: MainToThreadMessage = { type: 'abort', key, reason };
    this.channel.postMessage(message);
    entry.hardKill = this.options.clock.setTimeout(() => {
      if (this.inFlight.get(key) === entry) entry.batch.controller.abort(new Error(reason));
    }, this.options.abortGraceMs ?? 2_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
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
    // Spread over the threads, but not into crumbs: below MIN_BATCH requests per call the
    // per-call cost dominates again.
    const batches = Math.max(1, Math.min(this.options.threads, Math.floor(work.length / MIN_BATCH)));
    const perBatch = Math.ceil(work.length / batches);
    for (let i = 0; i < work.length; i += perBatch) this.sendBatch(work.slice(i, i + perBatch));
  }

  private sendBatch(work: { request: ExecutionRequest; sink: AttemptSink }[]): void {
    const batch: Batch = { controller: new AbortController() };
    const requests = work.map((w) => w.request);
    for (const w of work) this.inFlight.set(attemptKey(w.request), { ...w, batch, hardKill: null });
    const call: BatchCall = { channel: this.channelName, requests };
    this.pool.run(call, { signal: batch.controller.signal }).then(
      (result: BatchResult) => {
        for (const o of result.outcomes) this.onOutcome(o.key, o.outcome);
        this.reportEnded();
      },
      (err: unknown) => {
      // The thread died (crash, or terminated by a hard abort): every request of this batch
      // that has not reported fails now. An outcome still in flight on the channel is then
      // ignored: the attempt may have run (at least once), but it is already failed here.
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
      this.reportEnded();
      },
    );
    for (const w of work) w.sink.started();
  }

  private onOutcome(key: string, outcome: ExecutionOutcome): void {
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.inFlight.delete(key);
    if (entry.hardKill !== null) this.options.clock.clearTimeout(entry.hardKill);
    this.finish(entry.request, entry.sink, outcome);
  }

  /** Tells the node actor about attempts that ended since the last report, in one event. */
  private reportEnded(): void {
    if (this.ended.count === 0) return;
    this.actor.send(nodeMessages.attemptsEnded(this.ended.runId, this.ended.count));
    this.ended.count = 0;
  }

  private finish(request: ExecutionRequest, sink: AttemptSink, outcome: ExecutionOutcome): void {
    this.running--;
    if (this.ended.count++ === 0) this.ended.runId = request.runId;
    sink.finished(outcome);
    if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.options.onCapacity();
  }
}

function abortedOutcome(reason: string): ExecutionOutcome {
  return { ok: false, retryable: true, error: { name: 'AbortError', code: 'TASK_CANCELLED', message: reason } };
}
