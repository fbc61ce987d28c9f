import { createActor, type AnyActorLogic, type InspectionEvent } from 'xstate';
import type { Clock } from '../../src/clock.ts';
import type { BatchFencing, FencedRun, RunFence } from '../../src/store/run-lease.ts';
import type { NewTransition, StoreBatch, SwarmStore } from '../../src/store/types.ts';
import type { ActorTag, Projector } from './actor-tag.ts';

/** How a recorder fences its commits by run lease (src/store/run-lease.ts). */
export interface JournalFencing {
  /** The lease epoch this process holds, or held, for the run; undefined: not a run it leases. */
  epochOf(runId: string): number | undefined;
  /** Runs a commit left out, their lease having passed on; called before the flush returns. */
  onFenced(fenced: readonly FencedRun[]): void;
}

export interface JournalRecorderOptions {
  store: SwarmStore;
  now?: () => number;
  clock?: Clock;
  /** Flush on its own once this many transitions are buffered (bounds memory). */
  maxBuffered?: number;
  /** Longest time a transition waits in the buffer when nothing forces a flush. */
  groupCommitMs?: number;
  /** Name the writer's lease epochs in each commit, so a run taken over is not written to. */
  fencing?: JournalFencing;
}

/**
 * Records every state transition of every actor it created, straight from XState's
 * inspection API (microsteps), so no machine or host code writes journal rows by hand.
 *
 * Writes are grouped: rows and projections accumulate and go to the store in one
 * transaction per `flush()` (group commit), at the latest `groupCommitMs` after the first
 * buffered row. The runtime calls `flush()` itself (through the CommitBarrier) before it
 * releases a succeeded task's dependents and before it reports a run finished, which is what
 * makes a terminal state durable before anything acts on it; everything else rides along.
 * A commit costs ~70 µs however small, so fewer, larger commits are the main lever.
 *
 * A commit the store refuses is kept, unchanged, and nothing more is sent until `retry()`: the
 * caller decides whether the failure may pass (an outage) or is the end. The kept batch is sent
 * again alone, marked as resent, before anything recorded since, so that a commit which did
 * land after all (its answer lost with the connection) is recognised by the store from the end
 * of the journal and written once (run-lease.ts BatchFencing.resent).
 */
export class JournalRecorder {
  private readonly store: SwarmStore;
  private readonly now: () => number;
  private readonly clock: Clock | undefined;
  private readonly maxBuffered: number;
  private readonly groupCommitMs: number;
  private readonly tags = new WeakMap<object, ActorTag>();
  private onFailure: ((err: unknown) => void) | null = null;
  private rows: NewTransition[] = [];
  private dirty = new Set<ActorTag>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private failure: unknown = null;
  /** The batch the store refused last: sent again, first, by `retry()`. */
  private unsent: StoreBatch | null = null;
  private readonly fencing: JournalFencing | undefined;

  constructor(options: JournalRecorderOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.clock = options.clock;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.groupCommitMs = options.groupCommitMs ?? 5;
    this.fencing = options.fencing;
  }

  /** Creates an actor whose transitions are journaled under `actorId`; the caller starts it. */
  createActor<TLogic extends AnyActorLogic>(
    logic: TLogic,
    identity: { actorId: string; kind: ActorTag['kind']; runId: string | null; project: Projector },
    input?: unknown,
  ) {
    const actor = createActor(logic, {
      inspect: this.inspect,
      ...(this.clock ? { clock: this.clock } : {}),
      ...(input !== undefined ? { input } : {}),
    } as never);
    this.tags.set(actor, this.track(identity));
    return actor;
  }

  /**
   * Journals an actor that is not an XState actor (the compiled task engine steps its machine
   * itself): the host reports each snapshot with `recordSnapshot`, as inspection does here.
   */
  track(identity: { actorId: string; kind: ActorTag['kind']; runId: string | null; project: Projector }): ActorTag {
    return { ...identity, lastAt: 0, startedAt: null, pending: undefined };
  }

  /**
   * One snapshot of a tracked actor, caused by `event`: a row when its state value changed,
   * and its projection rewritten at the next commit.
   */
  recordSnapshot(tag: ActorTag, snapshot: { value: unknown }, event: { type: string }): void {
    // An event no transition took leaves the very same snapshot: nothing to record or project.
    if (snapshot === tag.pending) return;
    const to = stateName(snapshot.value);
    // Snapshot first: a flush forced by the row below must project the state it records.
    tag.pending = snapshot;
    this.dirty.add(tag);
    if (to !== tag.lastValue) this.record(tag, to, event);
    this.scheduleFlush();
  }

  private readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep' && event.type !== '@xstate.snapshot') return;
    const tag = this.tags.get(event.actorRef);
    if (tag) this.recordSnapshot(tag, event.snapshot as unknown as { value: unknown }, event.event);
  };

  private record(tag: ActorTag, to: string, event: { type: string }): void {
    const at = this.now();
    const payload = payloadOf(event);
    const runId = tag.runId ?? (typeof payload?.runId === 'string' ? payload.runId : null);
    this.rows.push({ runId, actorId: tag.actorId, actorKind: tag.kind, from: tag.lastValue ?? null, to, event: event.type, payload, at });
    tag.lastValue = to;
    tag.lastAt = at;
    if (tag.kind === 'task' && to === 'running') tag.startedAt ??= at;
    // Never throw from here: this runs inside XState's inspection, where an exception would
    // put the actor in an error state instead of reaching onError.
    if (this.rows.length >= this.maxBuffered) this.flushQuietly();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    // A real timer on purpose, not the injected clock: this is I/O pacing, not behaviour.
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushQuietly();
    }, this.groupCommitMs);
  }

  /**
   * Commits everything buffered in one transaction. Throws if the store refuses it, and from
   * then on throws that failure again, without asking the store, until `retry()` succeeds.
   */
  flush(): void {
    if (this.failure) throw this.failure;
    this.commitBuffered();
  }

  /**
   * After a refused commit: sends the refused batch again, then what was recorded since. Throws
   * (and stays failed) if the store still refuses.
   */
  retry(): void {
    this.failure = null;
    this.commitBuffered();
  }

  private commitBuffered(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.unsent) {
      // Its answer may have been lost after it landed: the store looks before writing it again.
      if (this.unsent.fencing) this.unsent.fencing.resent = true;
      this.send(this.unsent);
      this.unsent = null;
    }
    if (this.rows.length === 0 && this.dirty.size === 0) return;
    const batch: StoreBatch = { transitions: this.rows, runs: [], tasks: [], nodes: [], fencing: undefined };
    for (const tag of this.dirty) {
      const projection = tag.project(tag.pending, tag);
      if (projection.task) batch.tasks.push(projection.task);
      if (projection.run) batch.runs.push(projection.run);
      if (projection.node) batch.nodes.push(projection.node);
    }
    batch.fencing = this.fencingOf(batch);
    this.rows = [];
    this.dirty = new Set();
    this.unsent = batch;
    this.send(batch);
    this.unsent = null;
  }

  private send(batch: StoreBatch): void {
    let outcome;
    try {
      outcome = this.store.commit(batch);
    } catch (err) {
      this.failure = err;
      throw err;
    }
    if (outcome.fenced.length > 0) this.fencing?.onFenced(outcome.fenced);
  }

  /** The epochs this process holds for the leased runs the batch writes. */
  private fencingOf(batch: StoreBatch): BatchFencing | undefined {
    const source = this.fencing;
    if (!source) return undefined;
    const runs: RunFence[] = [];
    const seen = new Set<string>();
    const add = (runId: string | null) => {
      if (runId === null || seen.has(runId)) return;
      seen.add(runId);
      const epoch = source.epochOf(runId);
      if (epoch !== undefined) runs.push({ runId, epoch });
    };
    let last: string | null = null;
    for (const t of batch.transitions) {
      // Rows come in runs of the same run id: look each run up once per stretch.
      if (t.runId === last) continue;
      last = t.runId;
      add(t.runId);
    }
    for (const patch of batch.runs) add(patch.id);
    for (const patch of batch.tasks) add(patch.runId);
    return runs.length === 0 ? undefined : { runs };
  }

  /** The first store failure, if any: once set, every later flush throws it again. */
  get error(): unknown {
    return this.failure;
  }

  /** Called once if a background flush fails. */
  onError(listener: (err: unknown) => void): void {
    this.onFailure = listener;
  }

  private flushQuietly(): void {
    // After a refused commit only retry() goes back to the store.
    if (this.failure) return;
    try {
      this.flush();
    } catch (err) {
      this.onFailure?.(err);
    }
  }
}

export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, child] = Object.entries(value)[0] ?? [];
    return key === undefined ? '' : child === undefined || (typeof child === 'object' && Object.keys(child as object).length === 0) ? key : `${key}.${stateName(child)}`;
  }
  return String(value);
}

function payloadOf(event: { type: string }): Record<string, unknown> | null {
  if (event.type.startsWith('xstate.')) return null;
  const { type: _type, ...rest } = event as Record<string, unknown>;
  return Object.keys(rest).length === 0 ? null : rest;
}
