import { createActor, type AnyActorLogic, type InspectionEvent } from 'xstate';
import type { Clock } from '../../src/clock.ts';
import type { FencedRun } from '../../src/store/run-lease.ts';
import type { BackgroundCommitResult, NewTransition, StoreBatch, SwarmStore } from '../../src/store/types.ts';
import type { ActorTag, Projector } from './actor-tag.ts';
import { BackgroundCommits, type DurableWaiter } from './background-commits.ts';
import { fencingOfBatch } from './batch-fencing.ts';
import { payloadOf, stateName } from './row-fields.ts';

export type { DurableWaiter };

/** Rows from which a commit goes to the store's background writer, when it has one. */
export const BACKGROUND_MIN_ROWS = 64;

/** How a recorder fences its commits by run lease (src/store/run-lease.ts). */
export interface JournalFencing {
  /** The lease epoch this process holds, or held, for the run; undefined: not a run it leases. */
  epochOf(runId: string): number | undefined;
  /**
   * Runs a commit left out, their lease having passed on: called before a flush made here
   * returns, and when a background commit lands.
   */
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
 * transaction per flush (group commit), at the latest `groupCommitMs` after the first
 * buffered row. The runtime asks for one itself (`flushThen`, through the CommitBarrier) before
 * it releases a succeeded task's dependents and before it reports a run finished, and acts
 * only once it is durable; everything else rides along. A commit costs ~70 µs however small,
 * so fewer, larger commits are the main lever.
 *
 * A commit of BACKGROUND_MIN_ROWS rows or more goes to the store's background writer when it
 * has one (SQLite on a file: a thread with its own connection), and so does any commit while
 * one is on its way, so the journal keeps its order; a small one with nothing on its way (a
 * chain's step) is made here at once, as waiting for a thread would only add to it.
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
  /** Commits on their way to the store's background writer, and those it refused. */
  private readonly background: BackgroundCommits;
  /** Waiters for rows not sent yet (too many commits in flight): they ride on the next. */
  private nextWaiters: DurableWaiter[] = [];
  /** Set when a send was put off for lack of room in flight: made when one lands. */
  private sendDeferred = false;

  constructor(options: JournalRecorderOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.clock = options.clock;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.groupCommitMs = options.groupCommitMs ?? 5;
    this.fencing = options.fencing;
    this.background = new BackgroundCommits(this.store, (then, result) => this.landed(then, result));
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
   * Commits everything buffered in one transaction, durable when this returns (after the
   * background commits before it). Throws if the store refuses it, and from then on throws that
   * failure again, without asking the store, until `retry()` succeeds.
   */
  flush(): void {
    if (this.failure) throw this.failure;
    this.drainBackground();
    if (this.failure) throw this.failure;
    this.commitBuffered();
    this.allDurable();
  }

  /**
   * Commits what is buffered and tells `waiter` once it is durable. A big commit, or any while
   * one is in flight (the journal's order), goes to the store's background writer when it has
   * one, so this thread does not wait for the disk; otherwise this is flush() then durable().
   * Throws, like flush(), after a refused commit.
   */
  flushThen(waiter: DurableWaiter): void {
    if (this.failure) throw this.failure;
    if (!this.goesToBackground()) {
      // (Without a background writer now, what it still has on its way lands first.)
      this.flush();
      waiter.durable();
      return;
    }
    this.nextWaiters.push(waiter);
    this.sendInBackground();
  }

  /**
   * After a refused commit: sends the refused batches again, then what was recorded since. Throws
   * (and stays failed) if the store still refuses.
   */
  retry(): void {
    // What was in flight comes back refused (the thread writes nothing after a refusal). One
    // still on its way after the drain could land after what is sent again: not now, then.
    const stalled = this.drainBackground();
    if (stalled !== null) throw stalled;
    this.failure = null;
    this.store.resumeBackground?.();
    const refused = this.background.takeRefused();
    for (let i = 0; i < refused.length; i++) {
      try {
        // The first may have landed after all (a thread lost while it wrote): the store looks.
        if (i === 0 && refused[i].fencing) refused[i].fencing!.resent = true;
        this.send(refused[i]);
      } catch (err) {
        this.background.keepRefused(refused.slice(i));
        throw err;
      }
    }
    this.commitBuffered();
    this.allDurable();
  }

  /**
   * Whether the next commit goes to the store's background writer: it has one now (SQLite on a
   * file, its thread alive), and the commit is big or one is on its way (the journal's order).
   */
  private goesToBackground(): boolean {
    return this.background.available && (this.background.pending > 0 || this.rows.length >= BACKGROUND_MIN_ROWS);
  }

  /**
   * Background commits are given the time to land; their waiters are told, or the failure set.
   * One still unanswered after it (the thread stalled) is a failure too, returned: nothing may
   * be written after it on this connection.
   */
  private drainBackground(): unknown {
    const stalled = this.background.drain();
    if (stalled !== null) this.failure ??= stalled;
    return stalled;
  }

  /** Everything recorded is durable now: the waiters for rows not yet sent are too. */
  private allDurable(): void {
    if (this.nextWaiters.length === 0) return;
    const waiters = this.nextWaiters;
    this.nextWaiters = [];
    for (const waiter of waiters) waiter.durable();
  }

  private sendInBackground(): void {
    this.cancelFlushTimer();
    if (this.background.full) {
      // Back-pressure: the rows wait, and go in one bigger commit when one lands.
      this.sendDeferred = true;
      return;
    }
    this.sendDeferred = false;
    const then = this.nextWaiters;
    this.nextWaiters = [];
    const batch = this.takeBatch();
    if (batch === null) {
      // Nothing new: durable when what is in flight is.
      if (!this.background.joinNewest(then)) for (const waiter of then) waiter.durable();
      return;
    }
    try {
      this.background.send(batch, then);
    } catch (err) {
      this.failure ??= err;
      for (const waiter of then) waiter.refused();
      throw err;
    }
  }

  /** A background commit was answered: its waiters hear, and what waited for room is sent. */
  private landed(then: DurableWaiter[], result: BackgroundCommitResult): void {
    if (!result.ok) {
      const first = this.failure === null;
      if (first) this.failure = result.error;
      // Rows not sent yet wait for retry() as well.
      const waiters = [...then, ...(first ? this.nextWaiters.splice(0) : [])];
      for (const waiter of waiters) waiter.refused();
      if (first && !this.background.draining) this.onFailure?.(result.error);
      return;
    }
    // This runs from a message of the store's thread: nothing may escape it, and every waiter
    // must hear back even if one before it throws.
    try {
      if (result.outcome.fenced.length > 0) this.fencing?.onFenced(result.outcome.fenced);
    } catch (err) {
      this.onFailure?.(err);
    }
    for (const waiter of then) {
      try {
        waiter.durable();
      } catch (err) {
        this.onFailure?.(err);
      }
    }
    if (this.background.draining || this.failure !== null || !(this.sendDeferred || this.nextWaiters.length > 0)) return;
    try {
      this.sendInBackground();
    } catch (err) {
      this.onFailure?.(err);
    }
  }

  private cancelFlushTimer(): void {
    if (this.flushTimer === null) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private commitBuffered(): void {
    this.cancelFlushTimer();
    if (this.unsent) {
      // Its answer may have been lost after it landed: the store looks before writing it again.
      if (this.unsent.fencing) this.unsent.fencing.resent = true;
      this.send(this.unsent);
      this.unsent = null;
    }
    const batch = this.takeBatch();
    if (batch === null) return;
    this.unsent = batch;
    this.send(batch);
    this.unsent = null;
  }

  /** The buffered rows and the projections of the actors they touched, as one batch; null if none. */
  private takeBatch(): StoreBatch | null {
    if (this.rows.length === 0 && this.dirty.size === 0) return null;
    const batch: StoreBatch = { transitions: this.rows, runs: [], tasks: [], nodes: [], fencing: undefined };
    for (const tag of this.dirty) {
      const projection = tag.project(tag.pending, tag);
      if (projection.task) batch.tasks.push(projection.task);
      if (projection.run) batch.runs.push(projection.run);
      if (projection.node) batch.nodes.push(projection.node);
    }
    batch.fencing = this.fencing ? fencingOfBatch(batch, this.fencing) : undefined;
    this.rows = [];
    this.dirty = new Set();
    return batch;
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
      // Past maxBuffered with no room in flight, wait for the disk (back-pressure) rather than buffer on.
      const full = this.rows.length >= this.maxBuffered && this.background.full;
      if (this.goesToBackground() && !full) this.sendInBackground();
      else this.flush();
    } catch (err) {
      this.onFailure?.(err);
    }
  }
}
