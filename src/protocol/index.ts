/**
 * The dispatcher ⇄ remote worker wire protocol: messages and their factories, the zod schemas
 * that validate them on receipt, framing (single and batch frames, size limit, version check),
 * lease fencing and outgoing batching. Pure: no sockets, no clock.
 */
export {
  PROTOCOL_VERSION,
  WIRE_ERROR_CODES,
  WORKER_NAME_PATTERN,
  WORKER_NAME_RULE,
  WORKER_FEATURES,
  toDispatcher,
  workerNameProblem,
  toWorker,
  type EnginePoolReport,
  type HeldAttempt,
  type Lease,
  type ToDispatcherMessage,
  type ToDispatcherOf,
  type ToWorkerMessage,
  type ToWorkerOf,
  type WireErrorCode,
  type WireMessage,
  type TargetSlots,
  type WorkerFeature,
} from './messages.ts';
export {
  TO_DISPATCHER_TYPES,
  TO_WORKER_TYPES,
  executionOutcomeSchema,
  executionRequestSchema,
  serializedErrorSchema,
  toDispatcherMessageSchema,
  toDispatcherSchemas,
  toWorkerMessageSchema,
  toWorkerSchemas,
} from './schemas.ts';
export {
  decodeFrame,
  encodeFrame,
  utf8Length,
  type DecodeOptions,
  type DecodeResult,
  type Direction,
  type FrameData,
  type FrameError,
  type FrameErrorCode,
} from './wire.ts';
export { LeaseTable, OpaqueIds } from './lease-table.ts';
export { FrameBatcher, MessageTooLargeError, type FrameBatcherOptions } from './frame-batcher.ts';
