import type { LogLevel } from '../config/log-levels.ts';
import type { SerializedError } from '../errors.ts';
import type { ExecutionOutcome, ExecutionRequest } from '../execution.ts';
import type { DispatchTarget } from '../manifest/types.ts';
import { visibleJson } from '../visible-text.ts';

/**
 * The dispatcher ⇄ remote worker wire protocol: the messages, one discriminated union per
 * direction, each built by a small factory. Schemas (validation on receipt) are in
 * `schemas.ts`, framing in `wire.ts`.
 *
 * A frame is one JSON object `{ v: 1, type, ...fields }`, or a batch
 * `{ v: 1, type: 'batch', messages: [{ type, ...fields }, …] }`. Fields a receiver does not
 * know are ignored (dropped on decode), so a field can be added without a version bump; a
 * new message type, or a changed meaning, needs a new `PROTOCOL_VERSION`.
 *
 * One attempt is named everywhere by its key (`attemptKey(request)`, src/execution.ts) and,
 * on the wire, also by the lease the dispatcher issued with the assignment (see
 * `lease-table.ts`): a `started` or `outcome` whose lease is no longer current is refused.
 */
export const PROTOCOL_VERSION = 2;

/**
 * An opaque id the dispatcher issues with each assignment: 128 random bits (see
 * `lease-table.ts`). Fencing compares it for equality; nothing else reads meaning into it.
 * Random, not a counter, so a client holding the token cannot guess another worker's leases.
 * (Version 1 had increasing numbers.)
 */
export type Lease = string;

/** One attempt a worker holds: its key and the lease it was assigned with. */
export interface HeldAttempt {
  key: string;
  lease: Lease;
}

/**
 * Codes of the `error` message. The first three are `decodeFrame`'s; the others are for the
 * connection's handler: `UNAUTHORIZED` (the `hello` token is missing or wrong) and
 * `NOT_REGISTERED` (a message other than `hello` before `welcome`, a name taken by a live
 * worker, no `hello` in time). Before `welcome` every error closes the connection.
 */
export const WIRE_ERROR_CODES = [
  'FRAME_TOO_LARGE',
  'FRAME_MALFORMED',
  'PROTOCOL_VERSION',
  'UNAUTHORIZED',
  'NOT_REGISTERED',
] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

/**
 * A worker's name: it becomes a node id (`remote:<name>`), a log field and a row of the nodes
 * table, so it is short and printable — letters, digits and `_ . : - @`, starting with a
 * letter or digit, at most 128 characters.
 */
export const WORKER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
export const WORKER_NAME_RULE = 'ASCII letters (A-Z, a-z), digits and _ . : - @, starting with a letter or digit, at most 128 characters';

/** What is wrong with a worker name, or null when it is fine. */
export function workerNameProblem(name: string): string | null {
  if (WORKER_NAME_PATTERN.test(name)) return null;
  const shown = name.length > 40 ? `${visibleJson(name.slice(0, 40))}… (${name.length} characters)` : visibleJson(name);
  return `the worker name ${shown} is not allowed: use ${WORKER_NAME_RULE}`;
}

/**
 * Optional messages a worker may say it understands in its `hello`. `withdraw`: it answers a
 * `withdraw` with a `returned` for each assignment it had not started. A worker from before a
 * feature names none, and a dispatcher never sends it one (a frame with a message type the
 * worker does not know is dropped whole).
 */
export const WORKER_FEATURES = ['withdraw'] as const;
export type WorkerFeature = (typeof WORKER_FEATURES)[number];

/**
 * Per dispatch target, the attempts a worker runs at once where that is fewer than its
 * capacity (a backend whose warm-engine pool is smaller): its `hello` says so, and its
 * dispatcher sends no more of that target.
 */
export type TargetSlots = Partial<Record<DispatchTarget, number>>;

// ---- worker → dispatcher -----------------------------------------------------------------------
export type ToDispatcherMessage =
  /**
   * First message on every connection (also after a reconnect). `name` follows
   * WORKER_NAME_PATTERN. `capacity` is the number of attempts the worker runs at once;
   * `resume` lists the attempts it still holds from before a reconnect (running, or finished
   * with an outcome not yet delivered). `session` is the secret of the last `welcome` this
   * process got: only it lets the hello take the place of a connection under the same name
   * that still looks alive. `token` is the shared auth token. `features` names the optional
   * messages the worker understands (WORKER_FEATURES): a dispatcher sends those only to a
   * worker that named them. `maxMessageSize` is the largest frame the worker accepts (its
   * `[security] max_message_size`): the dispatcher keeps its frames to it within the smaller
   * of that and its own (a worker from before it says nothing: the dispatcher's own).
   * `slots` caps, by dispatch target, the attempts it runs at once where that is fewer than
   * `capacity` (a backend whose warm-engine pool is smaller): the dispatcher sends no more, so
   * no attempt waits on the worker for an engine with its timeout running. Never log a hello
   * as it is.
   */
  | {
      type: 'hello';
      name: string;
      capabilities: DispatchTarget[];
      capacity: number;
      token?: string;
      session?: string;
      resume?: HeldAttempt[];
      features?: string[];
      maxMessageSize?: number;
      slots?: TargetSlots;
    }
  /**
   * Sent every `welcome.heartbeatInterval` ms; `running` is the number of attempts in flight,
   * `engines` the worker's pools of warm engines (persistent backends), for status and metrics.
   */
  | { type: 'heartbeat'; running: number; engines?: EnginePoolReport[] }
  /** The assignment arrived and its attempt is executing (the acknowledgement `assign` waits for). */
  | { type: 'started'; key: string; lease: Lease }
  | { type: 'outcome'; key: string; lease: Lease; outcome: ExecutionOutcome }
  /** After a `withdraw`: this assignment never started here and never will; the dispatcher may give it to another node. */
  | { type: 'returned'; key: string; lease: Lease }
  /** The worker takes no new assignment; it finishes what it runs, then closes. */
  | { type: 'draining' }
  /** What the worker offers now: a backend that failed its health check is withdrawn (or back). */
  | { type: 'capabilities'; capabilities: DispatchTarget[] }
  /**
   * Host services a task calls back into: answered by `state.result` / `state.error` with the
   * same `id`. `attempt`, the calling attempt's key, lets the dispatcher refuse the calls of an
   * attempt it has ended (ATTEMPT_ENDED); a worker that leaves it out is not checked.
   */
  | { type: 'state.get'; id: number; key: string; attempt?: string }
  | { type: 'state.set'; id: number; key: string; value: unknown; attempt?: string }
  /** One-way: a line for the dispatcher's log (dropped when `attempt` has ended). */
  | { type: 'log'; level: LogLevel; message: string; fields: Record<string, unknown>; attempt?: string };

/** One pool of warm engines on a node: its size, engines alive and busy, and how many ended (since start). */
export interface EnginePoolReport {
  backend: string;
  size: number;
  engines: number;
  busy: number;
  recycled: number;
  crashed: number;
}

// ---- dispatcher → worker -----------------------------------------------------------------------
export type ToWorkerMessage =
  /**
   * Answer to an accepted `hello`: the worker's node id, the limits it must keep, and a secret
   * session id (new for each connection) the worker presents in its next `hello`.
   */
  | { type: 'welcome'; nodeId: string; heartbeatInterval: number; maxMessageSize: number; session: string }
  /**
   * Run one attempt (its key is `attemptKey(request)`). The worker answers `started` within
   * `ackDeadlineMs`, else the dispatcher may take the attempt back.
   */
  | { type: 'assign'; lease: Lease; request: ExecutionRequest; ackDeadlineMs: number }
  /** Stop an attempt (timeout, cancel); its `outcome` is still expected once it has stopped. */
  | { type: 'abort'; key: string; reason: string }
  /**
   * Give back every assignment not started yet, each with a `returned` (feature `withdraw`).
   * Sent when the worker's work turned slow, so what it holds ahead can run on another node.
   */
  | { type: 'withdraw' }
  /**
   * The `outcome` with this lease was taken: the worker may forget the attempt. Until then it
   * keeps the outcome and sends it again after a reconnect, so a frame lost with a dying
   * connection loses no result.
   */
  | { type: 'accepted'; key: string; lease: Lease }
  /** Fencing: the `started` or `outcome` with this lease is for an attempt that is no longer current. */
  | { type: 'refused'; key: string; lease: Lease; reason: string }
  | { type: 'state.result'; id: number; value: unknown }
  | { type: 'state.error'; id: number; error: SerializedError }
  /** The worker sent something wrong (see WIRE_ERROR_CODES). */
  | { type: 'error'; code: WireErrorCode; message: string }
  /** The dispatcher is stopping: finish running attempts within `graceMs`, take no new ones. */
  | { type: 'shutdown'; graceMs: number };

export type WireMessage = ToDispatcherMessage | ToWorkerMessage;
export type ToDispatcherOf<T extends ToDispatcherMessage['type']> = Extract<ToDispatcherMessage, { type: T }>;
export type ToWorkerOf<T extends ToWorkerMessage['type']> = Extract<ToWorkerMessage, { type: T }>;

/** Factories for worker → dispatcher messages. */
export const toDispatcher = {
  hello: (fields: Omit<ToDispatcherOf<'hello'>, 'type'>): ToDispatcherOf<'hello'> => ({
    type: 'hello',
    name: fields.name,
    capabilities: fields.capabilities,
    capacity: fields.capacity,
    ...(fields.token !== undefined ? { token: fields.token } : {}),
    ...(fields.session !== undefined ? { session: fields.session } : {}),
    ...(fields.resume !== undefined ? { resume: fields.resume } : {}),
    ...(fields.features !== undefined ? { features: fields.features } : {}),
    ...(fields.maxMessageSize !== undefined ? { maxMessageSize: fields.maxMessageSize } : {}),
    ...(fields.slots !== undefined ? { slots: fields.slots } : {}),
  }),
  heartbeat: (running: number, engines: EnginePoolReport[] = []): ToDispatcherOf<'heartbeat'> => ({
    type: 'heartbeat',
    running,
    ...(engines.length > 0 ? { engines } : {}),
  }),
  started: (key: string, lease: Lease): ToDispatcherOf<'started'> => ({ type: 'started', key, lease }),
  outcome: (key: string, lease: Lease, outcome: ExecutionOutcome): ToDispatcherOf<'outcome'> => ({
    type: 'outcome',
    key,
    lease,
    outcome,
  }),
  returned: (key: string, lease: Lease): ToDispatcherOf<'returned'> => ({ type: 'returned', key, lease }),
  draining: (): ToDispatcherOf<'draining'> => ({ type: 'draining' }),
  capabilities: (capabilities: DispatchTarget[]): ToDispatcherOf<'capabilities'> => ({ type: 'capabilities', capabilities }),
  stateGet: (id: number, key: string, attempt?: string): ToDispatcherOf<'state.get'> => ({
    type: 'state.get',
    id,
    key,
    ...(attempt !== undefined && { attempt }),
  }),
  stateSet: (id: number, key: string, value: unknown, attempt?: string): ToDispatcherOf<'state.set'> => ({
    type: 'state.set',
    id,
    key,
    value,
    ...(attempt !== undefined && { attempt }),
  }),
  log: (level: LogLevel, message: string, fields: Record<string, unknown> = {}, attempt?: string): ToDispatcherOf<'log'> => ({
    type: 'log',
    level,
    message,
    fields,
    ...(attempt !== undefined && { attempt }),
  }),
};

/** Factories for dispatcher → worker messages. */
export const toWorker = {
  welcome: (nodeId: string, heartbeatInterval: number, maxMessageSize: number, session: string): ToWorkerOf<'welcome'> => ({
    type: 'welcome',
    nodeId,
    heartbeatInterval,
    maxMessageSize,
    session,
  }),
  assign: (lease: Lease, request: ExecutionRequest, ackDeadlineMs: number): ToWorkerOf<'assign'> => ({
    type: 'assign',
    lease,
    request,
    ackDeadlineMs,
  }),
  abort: (key: string, reason: string): ToWorkerOf<'abort'> => ({ type: 'abort', key, reason }),
  withdraw: (): ToWorkerOf<'withdraw'> => ({ type: 'withdraw' }),
  accepted: (key: string, lease: Lease): ToWorkerOf<'accepted'> => ({ type: 'accepted', key, lease }),
  refused: (key: string, lease: Lease, reason: string): ToWorkerOf<'refused'> => ({
    type: 'refused',
    key,
    lease,
    reason,
  }),
  stateResult: (id: number, value: unknown): ToWorkerOf<'state.result'> => ({ type: 'state.result', id, value }),
  stateError: (id: number, error: SerializedError): ToWorkerOf<'state.error'> => ({ type: 'state.error', id, error }),
  error: (code: WireErrorCode, message: string): ToWorkerOf<'error'> => ({ type: 'error', code, message }),
  shutdown: (graceMs: number): ToWorkerOf<'shutdown'> => ({ type: 'shutdown', graceMs }),
};
