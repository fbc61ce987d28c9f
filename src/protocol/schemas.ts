import { z } from 'zod';
import { CONFIG_LIMITS } from '../config/limits.ts';
import { LOG_LEVELS } from '../config/log-levels.ts';
import { errorCode } from '../errors.ts';
import { DISPATCH_TARGETS, SYMBOL_CONTEXTS, SYMBOL_TYPES } from '../manifest/types.ts';
import { WIRE_ERROR_CODES, WORKER_NAME_PATTERN, WORKER_NAME_RULE, type ToDispatcherMessage, type ToWorkerMessage } from './messages.ts';

/**
 * The zod schemas that validate every message on receipt. Objects are zod's default (strip):
 * unknown fields are dropped, so a newer peer may add fields. test/protocol checks that each
 * schema's type and the hand-written TypeScript type are assignable both ways.
 */

const nonEmpty = z.string().min(1);
/** Safe integers only: every number of the protocol is a count, a duration or an id. */
const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
/** A lease or a session id: base64url of random bytes (lease-table.ts), bounded so a peer cannot send a huge one. */
const opaqueId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { error: 'expected an opaque id (16 to 64 base64url characters)' });
const lease = opaqueId;
/** Worker names become node ids, log fields and rows: short and printable (messages.ts). */
const workerName = z.string().regex(WORKER_NAME_PATTERN, { error: `expected a worker name: ${WORKER_NAME_RULE}` });
/** No more targets than exist, give or take repeats: a list is not a way to send megabytes. */
const capabilityList = z.array(z.enum(DISPATCH_TARGETS)).max(16);
/**
 * A worker's slots: at most the maximum of `[worker] max_concurrent_tasks`, which a worker's
 * config cannot exceed. Unbounded, a hello saying a billion drew nearly every task of a run to
 * that one connection.
 */
const MAX_CAPACITY = CONFIG_LIMITS.max_concurrent_tasks.max;
const capacity = positive.refine((n) => n <= MAX_CAPACITY, {
  error: `must be at most ${MAX_CAPACITY} (the maximum of [worker] max_concurrent_tasks)`,
});
const requestId = count;
/**
 * Any JSON value. JSON has no `undefined`: a value that was undefined is left out by the
 * sender, so a missing key is read as undefined (zod would otherwise require the key).
 */
const anyValue = z.unknown().default(undefined);

export const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  // Always a string once read (src/errors.ts errorCode): a worker of an older swarm may send none.
  code: z.string().optional().transform((code) => errorCode(code)),
  stack: z.string().optional(),
});

/** src/execution.ts `ExecutionRequest`. */
export const executionRequestSchema = z.object({
  runId: nonEmpty,
  task: nonEmpty,
  attempt: count,
  kind: z.enum(['run', 'rollback']),
  symbol: z.object({
    name: nonEmpty,
    type: z.enum(SYMBOL_TYPES),
    context: z.enum(SYMBOL_CONTEXTS),
    dispatch: z.enum(DISPATCH_TARGETS),
    parameters: z.record(z.string(), z.unknown()),
    timeout: positive,
  }),
  dependencies: z.record(z.string(), z.unknown()),
  baseDir: z.string().nullable(),
});

/** src/execution.ts `ExecutionOutcome`. */
export const executionOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), output: anyValue }),
  z.object({ ok: z.literal(false), error: serializedErrorSchema, retryable: z.boolean() }),
]);

const heldAttemptSchema = z.object({ key: nonEmpty, lease });

/** Checks at compile time that a schema map has one schema per message type, of that type. */
type SchemasOf<M extends { type: string }> = { [T in M['type']]: z.ZodType<Extract<M, { type: T }>> };

/** Worker → dispatcher, by message type. */
export const toDispatcherSchemas = {
  hello: z.object({
    type: z.literal('hello'),
    name: workerName,
    capabilities: capabilityList,
    capacity,
    token: z.string().optional(),
    session: opaqueId.optional(),
    resume: z.array(heldAttemptSchema).optional(),
    // Strings, not an enum: a newer worker may name features this dispatcher does not know.
    // Bounded (a hello is not a way to send megabytes), generously, for the same reason.
    features: z.array(z.string().max(100)).max(100).optional(),
    // A worker's own config cannot say less (src/config/schema.ts); it only ever lowers the
    // dispatcher's frames to it, so it needs no upper bound.
    maxMessageSize: positive.min(1_024).optional(),
    slots: z.partialRecord(z.enum(DISPATCH_TARGETS), capacity).optional(),
  }),
  heartbeat: z.object({
    type: z.literal('heartbeat'),
    running: count,
    engines: z
      .array(z.object({ backend: nonEmpty, size: count, engines: count, busy: count, recycled: count, crashed: count }))
      .max(16)
      .optional(),
  }),
  started: z.object({ type: z.literal('started'), key: nonEmpty, lease }),
  outcome: z.object({ type: z.literal('outcome'), key: nonEmpty, lease, outcome: executionOutcomeSchema }),
  returned: z.object({ type: z.literal('returned'), key: nonEmpty, lease }),
  draining: z.object({ type: z.literal('draining') }),
  capabilities: z.object({ type: z.literal('capabilities'), capabilities: capabilityList }),
  'state.get': z.object({ type: z.literal('state.get'), id: requestId, key: z.string(), attempt: nonEmpty.optional() }),
  'state.set': z.object({ type: z.literal('state.set'), id: requestId, key: z.string(), value: anyValue, attempt: nonEmpty.optional() }),
  log: z.object({
    type: z.literal('log'),
    level: z.enum(LOG_LEVELS),
    message: z.string(),
    fields: z.record(z.string(), z.unknown()),
    attempt: nonEmpty.optional(),
  }),
} satisfies SchemasOf<ToDispatcherMessage>;

/** Dispatcher → worker, by message type. */
export const toWorkerSchemas = {
  welcome: z.object({
    type: z.literal('welcome'),
    nodeId: nonEmpty,
    heartbeatInterval: positive,
    maxMessageSize: positive,
    session: opaqueId,
  }),
  assign: z.object({
    type: z.literal('assign'),
    lease,
    request: executionRequestSchema,
    ackDeadlineMs: positive,
  }),
  abort: z.object({ type: z.literal('abort'), key: nonEmpty, reason: z.string() }),
  withdraw: z.object({ type: z.literal('withdraw') }),
  accepted: z.object({ type: z.literal('accepted'), key: nonEmpty, lease }),
  refused: z.object({ type: z.literal('refused'), key: nonEmpty, lease, reason: z.string() }),
  'state.result': z.object({ type: z.literal('state.result'), id: requestId, value: anyValue }),
  'state.error': z.object({ type: z.literal('state.error'), id: requestId, error: serializedErrorSchema }),
  error: z.object({ type: z.literal('error'), code: z.enum(WIRE_ERROR_CODES), message: z.string() }),
  shutdown: z.object({ type: z.literal('shutdown'), graceMs: count }),
} satisfies SchemasOf<ToWorkerMessage>;

const d = toDispatcherSchemas;
const w = toWorkerSchemas;

/** The whole worker → dispatcher union (decodeFrame looks schemas up by `type` instead). */
export const toDispatcherMessageSchema = z.discriminatedUnion('type', [
  d.hello,
  d.heartbeat,
  d.started,
  d.outcome,
  d.returned,
  d.draining,
  d.capabilities,
  d['state.get'],
  d['state.set'],
  d.log,
]);

/** The whole dispatcher → worker union. */
export const toWorkerMessageSchema = z.discriminatedUnion('type', [
  w.welcome,
  w.assign,
  w.abort,
  w.withdraw,
  w.accepted,
  w.refused,
  w['state.result'],
  w['state.error'],
  w.error,
  w.shutdown,
]);

export const TO_DISPATCHER_TYPES = Object.keys(toDispatcherSchemas) as ToDispatcherMessage['type'][];
export const TO_WORKER_TYPES = Object.keys(toWorkerSchemas) as ToWorkerMessage['type'][];
