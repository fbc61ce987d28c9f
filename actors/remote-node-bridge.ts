import { settlesWithin, type Clock } from '../src/clock.ts';
import { serializeError, type SerializedError } from '../src/errors.ts';
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../src/execution.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import { nodeMessages } from '../src/messages.ts';
import {
  MessageTooLargeError,
  OpaqueIds,
  toWorker,
  type EnginePoolReport,
  type TargetSlots,
  type HeldAttempt,
  type Lease,
  type LeaseTable,
  type ToDispatcherMessage,
  type ToWorkerMessage,
  type WorkerFeature,
} from '../src/protocol/index.ts';
import { attemptHost } from './executor/attempt-host.ts';
import type { HostServices } from './executor/thread-protocol.ts';
import { AttemptCounter } from './attempt-counter.ts';
import { FrameStreak } from './quick-streak.ts';
import { boundedWorkerError, boundedWorkerLog, sameSecret } from './worker-input.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';
import { startNodeActor } from './node-actor.ts';
import { mayGiveBack, type AttemptSink, type NodeRuntime } from './node-runtime.ts';
import { RemoteAssignments, type Assignment } from './remote-assignments.ts';

export interface RemoteNodeBridgeOptions {
  /** The worker's registered name; the node id is `remote:<name>`. */
  name: string;
  capabilities: readonly DispatchTarget[];
  capacity: number;
  /** Sends one message to the worker (batched into frames by the connection). */
  send: (message: ToWorkerMessage) => void;
  /** Closes the worker's connection (after the node is lost), sending what was queued first. */
  disconnect: (reason: string) => void;
  /** Sends what is queued now (batching would hold it until the next turn). */
  flush?: () => void;
  /** Dispatcher-wide fencing: leases outlive a connection, so a late result is recognised. */
  leases: LeaseTable<string>;
  journal: JournalRecorder;
  host: HostServices;
  clock: Clock;
  now: () => number;
  /** No heartbeat (or any message) for this long: the node is lost. */
  heartbeatTimeoutMs: number;
  /** An assignment not acknowledged with `started` within this long is taken back. */
  ackDeadlineMs: number;
  onCapacity: () => void;
  /** The node is gone (lost, or drained and closed): remove it from the scheduler. `reason`: 'drained', or why it was lost. */
  onGone: (bridge: RemoteNodeBridge, reason: string) => void;
  /** Attempts taken over from this worker's previous connection (see `handOver`). */
  adopted?: readonly CarriedAssignment[];
  /** The optional messages the worker said it understands in its `hello` (WORKER_FEATURES). */
  features?: readonly string[];
  /** Fewer attempts than `capacity` for these targets, as the worker's `hello` says (its warm-engine pools). */
  slots?: TargetSlots;
}

/**
 * The failure of an attempt whose `assign` frame would exceed `[security] max_message_size`
 * (the parameters and the dependencies' outputs it carries), in words that say what to change.
 */
function assignmentTooLarge(request: ExecutionRequest, err: MessageTooLargeError): SerializedError {
  const what = request.kind === 'rollback' ? `The rollback of "${request.task}"` : `The assignment of "${request.task}" (attempt ${request.attempt})`;
  return {
    name: 'AssignmentTooLargeError',
    code: 'ASSIGNMENT_TOO_LARGE',
    message:
      `${what} needs a ${err.bytes}-byte frame, over ${err.limitName} (${err.maxFrameBytes} bytes): ` +
      "its parameters and its dependencies' outputs are too large to send to a worker. Pass less between tasks " +
      '(a file path or a state key instead of the data), or raise [security] max_message_size on the dispatcher and its workers.',
  };
}

/** How long a worker has to end an attempt after its `abort` before it counts as lost. */
export const ABORT_ANSWER_MS = 15_000;

/** Session ids of all connections: 128 random bits each. */
const sessionIds = new OpaqueIds();

/** An attempt in flight on a worker, as one connection's bridge hands it to the next. */
export interface CarriedAssignment {
  readonly key: string;
  readonly request: ExecutionRequest;
  readonly sink: AttemptSink;
  readonly lease: Lease;
  readonly started: boolean;
}

/** Why a bridge leaves when its worker came back on a new connection (a hand-over, not a loss). */
export const RECONNECTED = 'the worker reconnected on a new connection';

/**
 * A remote worker as a node of the swarm: the scheduler hands it requests like any node, and
 * this bridge turns them into `assign` messages and the worker's `started` / `outcome`
 * messages back into the attempt's sink — accepted only while the attempt's lease is
 * current (fencing), so a result from a worker that lost the attempt is refused.
 *
 * A node is lost when its connection closes or it is silent for `heartbeatTimeoutMs`. Every
 * attempt it held then fails with NODE_LOST, retryable: the task's retry policy decides, so a
 * loss does consume one of the task's attempts (a worker that crashes on a task every time
 * must not be able to loop it forever).
 */
export class RemoteNodeBridge implements NodeRuntime {
  readonly id: string;
  /** What the worker offers; it may withdraw a backend that fails (a `capabilities` message). */
  readonly capabilities = new Set<DispatchTarget>();
  readonly capacity: number;
  /** The worker's pools of warm engines, as its last heartbeat reported them. */
  engines: EnginePoolReport[] = [];
  /** This connection's secret, sent in `welcome` only; the worker's next `hello` presents it (see `replaceableBy`). */
  readonly session = sessionIds.next();
  private readonly actor;
  private readonly assignments: RemoteAssignments;
  /** Whether the worker gives back what it holds ahead when asked (`withdraw`). */
  private readonly canWithdraw: boolean;
  /** Whether the worker may hold internal requests beyond its slots (see quick-streak.ts). */
  private readonly streak: FrameStreak;
  private lastHeard: number;
  /** When the node actor was last told of a heartbeat (see receive). */
  private lastSeenRecorded: number;
  private watchdog: unknown = null;
  private draining = false;
  private gone = false;
  private idleWaiters: (() => void)[] = [];
  /** Attempts started and ended, told to the node actor once per frame (see attempt-counter.ts). */
  private readonly counted: AttemptCounter;
  private readonly attemptHost: HostServices;

  constructor(private readonly options: RemoteNodeBridgeOptions) {
    this.id = `remote:${options.name}`;
    this.attemptHost = attemptHost(options.host, (key) => {
      const assignment = this.assignments.get(key);
      return assignment !== undefined && !assignment.aborted;
    });
    for (const c of options.capabilities) this.capabilities.add(c);
    this.capacity = options.capacity;
    this.assignments = new RemoteAssignments(options.capacity, options.clock, options.ackDeadlineMs, (key, assignment) =>
      this.takeBack(key, assignment, 'ACK_TIMEOUT', `worker ${options.name} did not acknowledge the assignment in time`),
    );
    this.canWithdraw = options.features?.includes('withdraw' satisfies WorkerFeature) ?? false;
    this.streak = new FrameStreak(
      (key) => this.assignments.has(key),
      this.canWithdraw,
      // The work turned slow: what the worker holds beyond its slots would wait behind it.
      () => this.withdrawHeld(),
    );
    this.lastHeard = options.now();
    this.lastSeenRecorded = this.lastHeard;
    this.actor = startNodeActor({
      journal: options.journal,
      nodeId: this.id,
      kind: 'remote',
      capabilities: this.capabilities,
      capacity: this.capacity,
      startedAt: this.lastHeard,
    });
    // A microtask: a frame's messages are read in one go.
    this.counted = new AttemptCounter(this.actor, queueMicrotask);
    for (const carried of options.adopted ?? []) this.adopt(carried);
    this.armWatchdog();
  }

  /**
   * Internal requests may fill several times the worker's slots while they are quick: the
   * worker queues what it cannot start yet and starts it the moment a slot frees, a network
   * round trip sooner. Backend requests never: a backend node starts whatever it is given.
   */
  freeSlots(target?: DispatchTarget): number {
    if (this.gone || this.draining) return 0;
    const limit = target === 'internal' ? this.streak.limit(this.capacity) : this.capacity;
    const free = Math.max(0, limit - this.assignments.size);
    if (target === undefined) return free;
    // A backend with fewer warm engines there than slots: no attempt waits for one there.
    const cap = this.options.slots?.[target];
    return cap === undefined ? free : Math.min(free, Math.max(0, cap - this.assignments.countFor(target)));
  }

  attemptsHeld(): number {
    return this.assignments.size;
  }

  execute(request: ExecutionRequest, sink: AttemptSink): void {
    const key = attemptKey(request);
    const lease = this.options.leases.issue(key, this.id);
    try {
      this.options.send(toWorker.assign(lease, request, this.options.ackDeadlineMs));
    } catch (err) {
      if (!(err instanceof MessageTooLargeError)) throw err;
      // Never sent, so the worker knows nothing of it; the same request would not fit a
      // frame next time either, on this worker or another: a final failure, not a retry.
      this.options.leases.release(key, lease);
      const error = assignmentTooLarge(request, err);
      // Not within the caller's dispatch: an attempt ends after it was handed over, as always.
      queueMicrotask(() => sink.finished({ ok: false, retryable: false, error }));
      return;
    }
    this.track(key, { request, sink, lease, ackTimer: null, started: false });
  }

  /**
   * Whether a new connection registering under this worker's name may take this one's place:
   * only when it proves to be the same worker process, by presenting the secret session id
   * this connection's `welcome` gave it. Anyone else — a second worker given the same name by
   * mistake, or a client with the token after the name — is refused while this connection
   * lives. There is no "silent for a while" exception: a stranger could wait for a worker's
   * network hiccup (or cause one) and take its name. A worker restarted after a crash, which
   * lost its session, registers once the watchdog has noticed the old connection dead (within
   * the heartbeat timeout; its reconnect backoff keeps trying).
   */
  replaceableBy(session: string | undefined): boolean {
    if (this.gone) return true;
    return session !== undefined && sameSecret(session, this.session);
  }

  /**
   * The worker came back on a new connection before this one was noticed dead: the attempts
   * it still holds (its `resume`, lease for lease) are carried over to the new connection's
   * bridge, so their results are accepted there. One it does not hold and never said it
   * started never ran there (a worker keeps every attempt it received until its outcome is
   * accepted): a run attempt goes back to ready uncounted, as if returned (its `returned` may
   * have died with the connection); the rest fail with NODE_LOST, as in `lost`. This bridge is
   * gone afterwards and its connection is closed.
   */
  handOver(resume: readonly HeldAttempt[]): CarriedAssignment[] {
    if (this.gone) return [];
    const held = new Map(resume.map((h) => [h.key, h.lease]));
    const carried: CarriedAssignment[] = [];
    for (const [key, assignment] of this.assignments.entries()) {
      if (held.get(key) !== assignment.lease) {
        if (!assignment.started && mayGiveBack(assignment.request, assignment.sink)) this.giveBack(key, assignment);
        continue;
      }
      this.assignments.release(key, assignment);
      if (assignment.started) this.counted.count('ended', assignment.request.runId);
      carried.push({ key, request: assignment.request, sink: assignment.sink, lease: assignment.lease, started: assignment.started });
    }
    this.lost(RECONNECTED);
    this.options.disconnect('replaced by a new connection');
    return carried;
  }

  abort(key: string, reason: string): void {
    const assignment = this.assignments.get(key);
    if (!assignment) return;
    assignment.aborted = true;
    this.options.send(toWorker.abort(key, reason));
    // A worker ends an aborted attempt within seconds (a stuck thread is terminated 2 s after
    // the abort, a backend's processes 1 s after their SIGTERM). One that does not would keep
    // the slot, and the task's retry would wait on it for as long as the worker stays.
    this.options.clock.setTimeout(() => {
      if (this.gone || this.assignments.get(key) !== assignment) return;
      const why = `it did not end an aborted attempt within ${ABORT_ANSWER_MS} ms`;
      this.lost(why);
      this.options.disconnect(why);
    }, ABORT_ANSWER_MS);
  }

  /** Handles one message from the worker. */
  receive(message: ToDispatcherMessage): void {
    if (this.gone) return;
    this.lastHeard = this.options.now();
    switch (message.type) {
      case 'heartbeat':
        this.engines = message.engines ?? [];
        // The node row's `lastSeenAt` moves at the watchdog's pace, not every beat: each move
        // costs a store commit, and 50 workers beating every second would pay 50 a second.
        if (this.lastHeard - this.lastSeenRecorded >= this.options.heartbeatTimeoutMs / 4) {
          this.lastSeenRecorded = this.lastHeard;
          this.actor.send(nodeMessages.heartbeat(this.lastHeard));
        }
        return;
      case 'started':
        return this.onStarted(message.key, message.lease);
      case 'outcome':
        this.streak.ended(message.key);
        return this.onOutcome(message.key, message.lease, message.outcome);
      case 'returned':
        return this.onReturned(message.key, message.lease);
      case 'capabilities':
        this.capabilities.clear();
        for (const c of message.capabilities) this.capabilities.add(c);
        this.options.onCapacity(); // jobs may be servable now, or need the wait for another node
        // Its row (/api/nodes, the Nodes page) offers what it offers now: written with this stamp.
        this.lastSeenRecorded = this.lastHeard;
        this.actor.send(nodeMessages.heartbeat(this.lastHeard));
        return;
      case 'draining':
        this.draining = true;
        this.counted.report();
        this.actor.send(nodeMessages.drain());
        if (this.assignments.size === 0) this.leave('drained');
        return;
      case 'state.get':
        return this.answer(message.id, () => this.hostFor(message.attempt).stateGet(message.key, message.attempt ?? ''));
      case 'state.set':
        return this.answer(message.id, () => {
          this.hostFor(message.attempt).stateSet(message.key, message.value, message.attempt ?? '');
          return null;
        });
      case 'log': {
        // The worker's fields sit under `fields`, so they cannot set the line's own level,
        // time, msg or node; both parts are bounded (see worker-log.ts).
        const line = boundedWorkerLog(message.message, message.fields);
        try {
          this.hostFor(message.attempt).log(message.level, line.message, { node: this.id, fields: line.fields }, message.attempt ?? '');
        } catch {
          // The line of an attempt that has ended: dropped (a log call has no answer to carry the refusal).
        }
        return;
      }
      case 'hello':
        this.options.send(toWorker.error('FRAME_MALFORMED', 'hello may only be the first message of a connection'));
        return;
    }
  }

  /** The connection closed, or the worker went silent: fail what it held and leave. */
  lost(reason: string): void {
    if (this.gone) return;
    this.counted.report();
    this.actor.send(nodeMessages.lost(reason));
    for (const [key, assignment] of this.assignments.entries()) {
      this.takeBack(key, assignment, 'NODE_LOST', `worker ${this.options.name} was lost (${reason}) while running this attempt`);
    }
    this.leave(reason);
  }

  /** Asks the worker to finish its attempts within `graceMs` and take no new ones. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.gone) return;
    this.draining = true;
    this.options.send(toWorker.shutdown(graceMs));
    if (this.assignments.size > 0) {
      await settlesWithin(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), graceMs, this.options.clock);
    }
    this.lost('the dispatcher is stopping');
    // `shutdown` must leave before the server closes the socket; the connection itself stays
    // until then, so the worker does not reconnect into a dispatcher that is going away.
    this.options.flush?.();
  }

  /** The worker listed the attempt in its `resume`, so it has it: that counts as `started`. */
  private adopt({ key, request, sink, lease, started }: CarriedAssignment): void {
    this.track(key, { request, sink, lease, started: true, adopted: !started, ackTimer: null });
    if (!started) sink.started();
  }

  /** Holds an assignment until its outcome, with a deadline for the worker's `started` (see RemoteAssignments). */
  private track(key: string, assignment: Assignment): void {
    if (assignment.started) this.counted.count('started', assignment.request.runId);
    this.assignments.add(key, assignment);
  }

  private onStarted(key: string, lease: Lease): void {
    const assignment = this.assignments.get(key);
    if (!assignment || assignment.lease !== lease || !this.options.leases.isCurrent(key, lease)) {
      this.options.send(toWorker.refused(key, lease, 'this attempt is no longer assigned to you'));
      return;
    }
    this.assignments.started(assignment);
    this.counted.count('started', assignment.request.runId);
    if (assignment.request.symbol.dispatch === 'internal') this.streak.started(key);
    assignment.sink.started();
  }

  private onOutcome(key: string, lease: Lease, outcome: ExecutionOutcome): void {
    const assignment = this.assignments.get(key);
    if (!assignment || assignment.lease !== lease || !this.options.leases.settle(key, lease)) {
      this.options.send(toWorker.refused(key, lease, 'this attempt is no longer current; its result is ignored'));
      return;
    }
    this.options.send(toWorker.accepted(key, lease));
    this.finish(key, assignment, outcome.ok ? outcome : { ...outcome, error: boundedWorkerError(outcome.error) });
    if (this.draining && this.assignments.size === 0) this.leave('drained');
  }

  /**
   * Asks a worker that can give back what it has not started to do so, when it holds more
   * than its slots: what it holds ahead would wait behind the slow attempt. (The worker gives
   * back every attempt it has not started; its free slots get new ones a round trip later.)
   */
  private withdrawHeld(): void {
    if (this.canWithdraw && !this.gone && this.assignments.size > this.capacity) this.options.send(toWorker.withdraw());
  }

  /**
   * The worker gave an assignment back unstarted (after a `withdraw`): the task is ready again,
   * for any node, with no attempt made. One the worker said it started runs there after all
   * (its outcome still counts). One whose task already counts it as started (carried over a
   * reconnect, see `adopt`), or whose sink cannot take it back (a rollback: a worker gives back
   * only run attempts), is taken back as a failure instead (code RETURNED; retryable for a run,
   * final for a rollback), so nothing waits on an attempt no one holds.
   */
  private onReturned(key: string, lease: Lease): void {
    const assignment = this.assignments.get(key);
    if (!assignment || assignment.lease !== lease || !this.options.leases.isCurrent(key, lease)) return;
    if (assignment.started && !assignment.adopted) return;
    if (assignment.adopted || !mayGiveBack(assignment.request, assignment.sink)) {
      this.takeBack(key, assignment, 'RETURNED', `worker ${this.options.name} gave back an attempt it could no longer give back unrun`);
    } else {
      this.giveBack(key, assignment);
    }
    if (this.draining && this.assignments.size === 0) this.leave('drained');
  }

  /** The task of an attempt the worker never started goes back to ready, uncounted. */
  private giveBack(key: string, assignment: Assignment): void {
    this.assignments.remove(key, assignment);
    this.options.leases.release(key, assignment.lease);
    assignment.sink.returned!();
    this.slotFreed();
  }

  private takeBack(key: string, assignment: Assignment, code: string, message: string): void {
    if (this.assignments.get(key) !== assignment) return;
    this.options.leases.release(key, assignment.lease);
    this.options.send(toWorker.abort(key, message));
    this.finish(key, assignment, { ok: false, retryable: true, error: { name: 'RemoteNodeError', code, message } });
  }

  private finish(key: string, assignment: Assignment, outcome: ExecutionOutcome): void {
    this.assignments.remove(key, assignment);
    if (assignment.started) this.counted.count('ended', assignment.request.runId);
    assignment.sink.finished(outcome);
    this.slotFreed();
  }

  /** An assignment left: a waiting `close` may end, and the scheduler may hand out more. */
  private slotFreed(): void {
    if (this.assignments.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.options.onCapacity();
  }


  /**
   * The host for a task's call: refusing it once its attempt has ended here (aborted, or no
   * longer this worker's). A worker that does not say which attempt calls is not checked.
   */
  private hostFor(attempt: string | undefined): HostServices {
    return attempt === undefined ? this.options.host : this.attemptHost;
  }

  private answer(id: number, compute: () => unknown): void {
    try {
      this.options.send(toWorker.stateResult(id, compute() ?? null));
    } catch (err) {
      // What went wrong, bounded, and never the stack: its frames are the dispatcher's own
      // files, which are nobody's business on the other end of a socket.
      const { name, code, message } = serializeError(err);
      const error = { name, code, message: message.length > 1_000 ? `${message.slice(0, 999)}…` : message };
      this.options.send(toWorker.stateError(id, error));
    }
  }

  private armWatchdog(): void {
    // Checks at a quarter of the timeout: a silent node is noticed at most 25% late. After a
    // stall of this process the check runs after what waited in the socket is read (the clock
    // defers a late timer, src/clock.ts): this process's own stall is not the worker's silence.
    const every = Math.max(10, Math.floor(this.options.heartbeatTimeoutMs / 4));
    this.watchdog = this.options.clock.setTimeout(() => {
      if (this.gone) return;
      const silentFor = this.options.now() - this.lastHeard;
      if (silentFor > this.options.heartbeatTimeoutMs) {
        this.lost(`no heartbeat for ${silentFor} ms`);
        this.options.disconnect('heartbeat timeout');
      } else {
        this.armWatchdog();
      }
    }, every);
  }

  private leave(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    if (this.watchdog !== null) this.options.clock.clearTimeout(this.watchdog);
    this.counted.report();
    if (reason === 'drained') this.actor.send(nodeMessages.drain());
    this.options.onGone(this, reason);
    this.options.onCapacity();
  }
}
