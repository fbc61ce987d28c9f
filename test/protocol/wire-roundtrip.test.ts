import { describe, expect, test } from 'bun:test';
import type { z } from 'zod';
import type { SerializedError } from '../../src/errors.ts';
import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';
import {
  PROTOCOL_VERSION,
  TO_DISPATCHER_TYPES,
  TO_WORKER_TYPES,
  decodeFrame,
  encodeFrame,
  executionOutcomeSchema,
  executionRequestSchema,
  serializedErrorSchema,
  toDispatcher,
  toDispatcherMessageSchema,
  toDispatcherSchemas,
  toWorker,
  toWorkerMessageSchema,
  toWorkerSchemas,
  type ToDispatcherMessage,
  type ToDispatcherOf,
  type ToWorkerMessage,
  type ToWorkerOf,
} from '../../src/protocol/index.ts';
import { lease, sampleRequest, toDispatcherSamples, toWorkerSamples } from './samples.ts';

// ---- compile-time: the schemas and the hand-written types are assignable both ways ----------
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function assertMutual<T extends true>(): T | void {}
assertMutual<Mutual<z.infer<typeof executionRequestSchema>, ExecutionRequest>>();
assertMutual<Mutual<z.infer<typeof executionOutcomeSchema>, ExecutionOutcome>>();
assertMutual<Mutual<z.infer<typeof serializedErrorSchema>, SerializedError>>();
assertMutual<Mutual<z.infer<typeof toDispatcherMessageSchema>, ToDispatcherMessage>>();
assertMutual<Mutual<z.infer<typeof toWorkerMessageSchema>, ToWorkerMessage>>();
// …and per message type, so a drift names the message.
type PerType<S extends Record<string, z.ZodType>, M extends { type: string }> = {
  [T in keyof S & M['type']]: Mutual<z.infer<S[T]>, Extract<M, { type: T }>>;
};
assertMutual<Mutual<PerType<typeof toDispatcherSchemas, ToDispatcherMessage>[ToDispatcherMessage['type']], true>>();
assertMutual<Mutual<PerType<typeof toWorkerSchemas, ToWorkerMessage>[ToWorkerMessage['type']], true>>();
// A wrong type must fail the check (keeps the helper honest).
// @ts-expect-error ExecutionRequest without baseDir is not mutually assignable
assertMutual<Mutual<Omit<ExecutionRequest, 'baseDir'>, ExecutionRequest>>();

const LIMIT = { maxBytes: 1_048_576 };

describe('round trip', () => {
  test('the samples cover every message type of both directions', () => {
    expect(new Set(toDispatcherSamples.map((m) => m.type))).toEqual(new Set(TO_DISPATCHER_TYPES));
    expect(new Set(toWorkerSamples.map((m) => m.type))).toEqual(new Set(TO_WORKER_TYPES));
    expect(TO_DISPATCHER_TYPES).toHaveLength(10);
    expect(TO_WORKER_TYPES).toHaveLength(10);
  });

  for (const message of toDispatcherSamples) {
    test(`worker → dispatcher: ${message.type} survives encode and decode unchanged`, () => {
      const frame = encodeFrame(message);
      expect(JSON.parse(frame)).toEqual({ v: PROTOCOL_VERSION, ...message });
      expect(decodeFrame(frame, 'toDispatcher', LIMIT)).toStrictEqual({ ok: true, messages: [message] });
    });
  }

  for (const message of toWorkerSamples) {
    test(`dispatcher → worker: ${message.type} survives encode and decode unchanged`, () => {
      const frame = encodeFrame(message);
      expect(JSON.parse(frame)).toEqual({ v: PROTOCOL_VERSION, ...message });
      expect(decodeFrame(frame, 'toWorker', LIMIT)).toStrictEqual({ ok: true, messages: [message] });
    });
  }

  test('a frame starts with the version', () => {
    expect(encodeFrame(toDispatcher.draining())).toBe('{"v":2,"type":"draining"}');
  });

  test('all messages of a direction in one batch frame, in order', () => {
    const frame = encodeFrame(toDispatcherSamples);
    const parsed = JSON.parse(frame);
    expect(parsed.v).toBe(2);
    expect(parsed.type).toBe('batch');
    expect(parsed.messages).toHaveLength(toDispatcherSamples.length);
    expect(decodeFrame(frame, 'toDispatcher', LIMIT)).toStrictEqual({ ok: true, messages: toDispatcherSamples });
    expect(decodeFrame(encodeFrame(toWorkerSamples), 'toWorker', LIMIT)).toStrictEqual({
      ok: true,
      messages: toWorkerSamples,
    });
  });

  test('a list of one message is a plain frame; an empty batch decodes to no messages', () => {
    expect(encodeFrame([toWorker.shutdown(5)])).toBe(encodeFrame(toWorker.shutdown(5)));
    const empty = encodeFrame([] as ToWorkerMessage[]);
    expect(JSON.parse(empty)).toEqual({ v: 2, type: 'batch', messages: [] });
    expect(decodeFrame(empty, 'toWorker', LIMIT)).toEqual({ ok: true, messages: [] });
  });

  test('binary frames (Uint8Array, Buffer, ArrayBuffer, a view into a larger buffer) decode like text', () => {
    const frame = encodeFrame(toWorkerSamples);
    const bytes = new TextEncoder().encode(frame);
    const expected = { ok: true as const, messages: toWorkerSamples };
    expect(decodeFrame(bytes, 'toWorker', LIMIT)).toStrictEqual(expected);
    expect(decodeFrame(Buffer.from(frame), 'toWorker', LIMIT)).toStrictEqual(expected);
    expect(decodeFrame(bytes.buffer, 'toWorker', LIMIT)).toStrictEqual(expected);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(decodeFrame(padded.subarray(5, 5 + bytes.length), 'toWorker', LIMIT)).toStrictEqual(expected);
    const shared = new SharedArrayBuffer(bytes.length);
    new Uint8Array(shared).set(bytes);
    expect(decodeFrame(shared, 'toWorker', LIMIT)).toStrictEqual(expected);
  });

  test('fields a receiver does not know are dropped, at every level', () => {
    const frame = JSON.stringify({
      v: 2,
      type: 'assign',
      lease: lease(3),
      ackDeadlineMs: 100,
      future: 'field',
      request: { ...sampleRequest, extra: 1, symbol: { ...sampleRequest.symbol, extra: 2 } },
    });
    expect(decodeFrame(frame, 'toWorker', LIMIT)).toStrictEqual({
      ok: true,
      messages: [toWorker.assign(lease(3), sampleRequest, 100)],
    });
  });

  test("an error without a code (an older worker's outcome) arrives with UNKNOWN", () => {
    const frame = JSON.stringify({ v: 2, type: 'outcome', key: 'k', lease: lease(1), outcome: { ok: false, error: { name: 'Error', message: 'old' }, retryable: true } });
    const decoded = decodeFrame(frame, 'toDispatcher', LIMIT);
    expect(decoded.ok && (decoded.messages[0] as ToDispatcherOf<'outcome'>).outcome).toEqual({
      ok: false,
      error: { name: 'Error', code: 'UNKNOWN', message: 'old' },
      retryable: true,
    });
  });

  test('an undefined value or output is absent on the wire and undefined on arrival', () => {
    const set = decodeFrame(encodeFrame(toDispatcher.stateSet(4, 'k', undefined)), 'toDispatcher', LIMIT);
    expect(set.ok && set.messages[0]).toEqual({ type: 'state.set', id: 4, key: 'k', value: undefined });
    const result = decodeFrame(encodeFrame(toWorker.stateResult(4, undefined)), 'toWorker', LIMIT);
    expect(result.ok && (result.messages[0] as ToWorkerOf<'state.result'>).value).toBeUndefined();
    const sent = toDispatcher.outcome('k', lease(1), { ok: true, output: undefined });
    expect(encodeFrame(sent)).toBe(`{"v":2,"type":"outcome","key":"k","lease":"${lease(1)}","outcome":{"ok":true}}`);
    const outcome = decodeFrame(encodeFrame(sent), 'toDispatcher', LIMIT);
    const received = outcome.ok && (outcome.messages[0] as ToDispatcherOf<'outcome'>).outcome;
    expect(received).toEqual({ ok: true, output: undefined });
    expect(received && 'output' in received).toBe(true);
  });

  test('hello leaves out token and resume when not given', () => {
    const hello = toDispatcher.hello({ name: 'w', capabilities: ['internal'], capacity: 2, token: undefined });
    expect(Object.keys(hello)).toEqual(['type', 'name', 'capabilities', 'capacity']);
  });

  test('decoding narrows by direction', () => {
    const result = decodeFrame(encodeFrame(toWorker.welcome('n', 1000, 4096, lease(9))), 'toWorker', LIMIT);
    if (!result.ok) throw new Error(result.error.message);
    const [message] = result.messages;
    // Compiles only because the result is typed ToWorkerMessage[].
    if (message.type === 'welcome') expect(message.maxMessageSize).toBe(4096);
    else throw new Error('expected welcome');
  });
});
