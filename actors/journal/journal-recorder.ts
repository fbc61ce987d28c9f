import { createActor, type AnyActorLogic, type InspectionEvent } from 'xstate';
import type { Clock } from '../../src/clock.ts';
import type { NewTransition, StoreBatch, SwarmStore } from '../../src/store/types.ts';
import type { ActorTag, Projector } from './actor-tag.ts';

export interface JournalRecorderOptions {
  store: SwarmStore;
  now?: () => number;
  clock?: Clock;
  /** Flush on its own once this many transitions are buffered (bounds memory). */
  maxBuffered?: number;
  /** Longest time a transition waits in the buffer when nothing forces a flush. */
  groupCommitMs?: number;
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

  constructor(options: JournalRecorderOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.clock = options.clock;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.groupCommitMs = options.groupCommitMs ?? 5;
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

  /** Commits everything buffered in one transaction. Throws if the store refuses it. */
  flush(): void {
    if (this.failure) throw this.failure;
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.rows.length === 0 && this.dirty.size === 0) return;
    const batch: StoreBatch = { transitions: this.rows, runs: [], tasks: [], nodes: [] };
    for (const tag of this.dirty) {
      const projection = tag.project(tag.pending, tag);
      if (projection.task) batch.tasks.push(projection.task);
      if (projection.run) batch.runs.push(projection.run);
      if (projection.node) batch.nodes.push(projection.node);
    }
    this.rows = [];
    this.dirty = new Set();
    try {
      this.store.commit(batch);
    } catch (err) {
      this.failure = err;
      throw err;
    }
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
