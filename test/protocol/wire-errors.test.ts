import { describe, expect, test } from 'bun:test';
import {
  decodeFrame,
  encodeFrame,
  toDispatcher,
  toWorker,
  utf8Length,
  type DecodeResult,
  type Direction,
  type FrameData,
  type FrameErrorCode,
} from '../../src/protocol/index.ts';
import { sampleRequest } from './samples.ts';
import { seededRandom } from '../support/seeded-random.ts';

const LIMIT = { maxBytes: 1_048_576 };

/** Decodes and expects a failure with `code`; returns the message. */
function failure(data: FrameData, direction: Direction, code: FrameErrorCode, maxBytes = LIMIT.maxBytes): string {
  const result: DecodeResult<unknown> = decodeFrame(data, direction, { maxBytes });
  if (result.ok) throw new Error(`expected ${code}, but the frame decoded: ${JSON.stringify(result.messages)}`);
  expect(result.error.code).toBe(code);
  return result.error.message;
}

/** Expects FRAME_MALFORMED for a value sent as a JSON frame; returns the message. */
const bad = (frame: unknown, direction: Direction = 'toDispatcher') =>
  failure(JSON.stringify(frame), direction, 'FRAME_MALFORMED');
const json = (value: unknown) => JSON.stringify(value);
const LEASE = 'lease-0000000000000001';
const started = (fields: Record<string, unknown>) => ({ type: 'started', key: 'run/a/run/1', lease: LEASE, ...fields });

describe('frames that are not protocol JSON', () => {
  test('not JSON', () => {
    expect(failure('garbage{', 'toDispatcher', 'FRAME_MALFORMED')).toStartWith('frame is not JSON (');
    expect(failure('', 'toDispatcher', 'FRAME_MALFORMED')).toStartWith('frame is not JSON (');
    expect(failure('{"v":2,"type":"draining"', 'toDispatcher', 'FRAME_MALFORMED')).toStartWith('frame is not JSON (');
  });

  test('JSON that is not an object', () => {
    expect(failure('[{"v":2}]', 'toDispatcher', 'FRAME_MALFORMED')).toBe('frame must be a JSON object, got an array');
    expect(failure('null', 'toWorker', 'FRAME_MALFORMED')).toBe('frame must be a JSON object, got null');
    expect(failure('42', 'toWorker', 'FRAME_MALFORMED')).toBe('frame must be a JSON object, got 42');
    expect(failure('"hello"', 'toWorker', 'FRAME_MALFORMED')).toBe('frame must be a JSON object, got string "hello"');
  });

  test('binary that is not UTF-8, and data that is neither text nor binary', () => {
    expect(failure(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'frame is not valid UTF-8 text',
    );
    expect(failure(12 as unknown as FrameData, 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'frame must be text or binary, got 12',
    );
  });
});

describe('protocol version', () => {
  test('a different version names both versions', () => {
    const message = failure(json({ v: 1, type: 'hello' }), 'toDispatcher', 'PROTOCOL_VERSION');
    expect(message).toContain('version 1');
    expect(message).toContain('version 2');
    expect(failure(json({ v: 0, type: 'batch', messages: 'anything' }), 'toWorker', 'PROTOCOL_VERSION')).toContain(
      'version 0',
    );
  });

  test('the version is checked before anything else in the frame', () => {
    // A v3 frame may hold types this side does not know: the answer is the version, not the type.
    expect(failure(json({ v: 3, type: 'teleport' }), 'toDispatcher', 'PROTOCOL_VERSION')).toContain('version 3');
  });

  test('a missing or non-numeric version is malformed', () => {
    expect(failure(json({ type: 'draining' }), 'toDispatcher', 'FRAME_MALFORMED')).toStartWith('v: missing');
    expect(failure(json({ v: '1', type: 'draining' }), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'v: expected a number, got string "1"',
    );
  });
});

describe('message types', () => {
  test('an unknown type is malformed and the answer lists the known ones', () => {
    const message = failure(json({ v: 2, type: 'teleport' }), 'toDispatcher', 'FRAME_MALFORMED');
    expect(message).toStartWith(
      'type: unknown message type "teleport"; a dispatcher receives hello, heartbeat, started',
    );
    expect(failure(json({ v: 2, type: 'hello' }), 'toWorker', 'FRAME_MALFORMED')).toContain(
      'a worker receives welcome, assign, abort',
    );
  });

  test('a message of the other direction is named as such', () => {
    expect(failure(encodeFrame(toWorker.shutdown(1)), 'toDispatcher', 'FRAME_MALFORMED')).toStartWith(
      'type: "shutdown" is not a message a dispatcher receives;',
    );
    expect(failure(encodeFrame(toDispatcher.draining()), 'toWorker', 'FRAME_MALFORMED')).toStartWith(
      'type: "draining" is not a message a worker receives;',
    );
  });

  test('a missing or non-string type', () => {
    expect(failure(json({ v: 2, key: 'k' }), 'toDispatcher', 'FRAME_MALFORMED')).toStartWith('type: missing;');
    expect(failure(json({ v: 2, type: 7 }), 'toDispatcher', 'FRAME_MALFORMED')).toStartWith(
      'type: expected a string, got 7;',
    );
  });

  test('inherited property names are not message types', () => {
    expect(failure(json({ v: 2, type: 'constructor' }), 'toDispatcher', 'FRAME_MALFORMED')).toContain(
      'unknown message type "constructor"',
    );
    expect(failure(json({ v: 2, type: '__proto__' }), 'toWorker', 'FRAME_MALFORMED')).toContain(
      'unknown message type "__proto__"',
    );
  });
});

describe('fields', () => {
  test('a missing field', () => {
    expect(failure(json({ v: 2, type: 'started', key: 'k' }), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'lease: missing (expected string) (in a "started" message)',
    );
  });

  test('a mistyped field', () => {
    expect(failure(json({ v: 2, ...started({ lease: 7 }) }), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'lease: expected string, got 7 (in a "started" message)',
    );
  });

  test('numbers out of range: not an integer, zero capacity, negative count', () => {
    const hello = { v: 2, type: 'hello', name: 'w', capabilities: [] };
    expect(failure(json({ ...hello, capacity: 1.5 }), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'capacity: expected an integer, got 1.5 (in a "hello" message)',
    );
    expect(failure(json({ ...hello, capacity: 0 }), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'capacity: must be > 0, got 0 (in a "hello" message)',
    );
    expect(failure(json({ v: 2, type: 'heartbeat', running: -1 }), 'toDispatcher', 'FRAME_MALFORMED')).toContain(
      'running: must be >= 0, got -1',
    );
  });

  test('a worker name that is empty, too long or not printable is refused with the rule', () => {
    const hello = { v: 2, type: 'hello', capabilities: ['internal'], capacity: 1 };
    for (const name of ['', 'x'.repeat(129), 'a\u0000b', 'tab\there', 'new\nline', 'sp ace', '-dash-first', 'ünï']) {
      const message = failure(json({ ...hello, name }), 'toDispatcher', 'FRAME_MALFORMED');
      expect(message).toStartWith('name: expected a worker name: ASCII letters (A-Z, a-z), digits and _ . : - @');
      expect(message.length).toBeLessThan(300);
    }
    for (const name of ['w', 'worker-node-1', 'host.example.org:2', 'w_1@rack-3', 'x'.repeat(128)]) {
      expect(decodeFrame(json({ ...hello, name }), 'toDispatcher', LIMIT).ok).toBe(true);
    }
  });

  test('leases and session ids are opaque ids of bounded size', () => {
    for (const lease of ['', 'short', 'x'.repeat(65), 'has space in it 1234', '../../etc/passwd12']) {
      expect(bad({ v: 2, ...started({ lease }) })).toStartWith('lease: expected an opaque id');
    }
    const hello = { v: 2, type: 'hello', name: 'w', capabilities: ['internal'], capacity: 1 };
    expect(bad({ ...hello, session: 'x'.repeat(1_000) })).toStartWith('session: expected an opaque id');
    expect(decodeFrame(json({ ...hello, session: 'c2Vzc2lvbi1zZWNyZXQtMTI' }), 'toDispatcher', LIMIT).ok).toBe(true);
  });

  test('a capabilities list is bounded', () => {
    const hello = { v: 2, type: 'hello', name: 'w', capacity: 1 };
    expect(bad({ ...hello, capabilities: Array(17).fill('internal') })).toContain('capabilities:');
    expect(bad({ v: 2, type: 'capabilities', capabilities: Array(10_000).fill('internal') })).toContain('capabilities:');
  });

  test('a value outside an enum lists the allowed ones', () => {
    const hello = { v: 2, type: 'hello', name: 'w', capabilities: ['internal', 'cobol'], capacity: 1 };
    expect(failure(json(hello), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'capabilities[1]: expected "rust_injector" or "php_engine" or "powershell_engine" or "internal", ' +
        'got string "cobol" (in a "hello" message)',
    );
    expect(bad({ v: 2, type: 'log', level: 'loud', message: 'm', fields: {} })).toContain(
      'level: expected "error" or "warn" or "info" or "debug" or "verbose", got string "loud"',
    );
  });

  test('deep paths inside the execution request and the outcome', () => {
    const assign = toWorker.assign(LEASE, sampleRequest, 100);
    const symbol = { ...sampleRequest.symbol, timeout: 'soon' };
    const badSymbol = { ...assign, request: { ...sampleRequest, symbol } };
    expect(failure(json({ v: 2, ...badSymbol }), 'toWorker', 'FRAME_MALFORMED')).toBe(
      'request.symbol.timeout: expected number, got string "soon" (in an "assign" message)',
    );
    const noBaseDir: Record<string, unknown> = { ...sampleRequest };
    delete noBaseDir.baseDir;
    expect(failure(json({ v: 2, ...assign, request: noBaseDir }), 'toWorker', 'FRAME_MALFORMED')).toBe(
      'request.baseDir: missing (expected string) (in an "assign" message)',
    );
    const outcome = { v: 2, type: 'outcome', key: 'k', lease: LEASE };
    expect(failure(json({ ...outcome, outcome: { output: 1 } }), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'outcome.ok: missing (expected true or false) (in an "outcome" message)',
    );
    expect(bad({ ...outcome, outcome: { ok: false, error: { name: 'E' }, retryable: true } })).toBe(
      'outcome.error.message: missing (expected string) (in an "outcome" message)',
    );
    expect(bad({ ...outcome, outcome: { ok: true, output: 1 }, key: '' })).toContain('key: must not be empty');
  });

  test('an error message lists three problems and counts the rest', () => {
    const message = failure(json({ v: 2, type: 'welcome' }), 'toWorker', 'FRAME_MALFORMED');
    expect(message).toBe(
      'nodeId: missing (expected string) (in a "welcome" message); ' +
        'heartbeatInterval: missing (expected number) (in a "welcome" message); ' +
        'maxMessageSize: missing (expected number) (in a "welcome" message); and 1 more problem',
    );
    const many = bad({ v: 2, type: 'hello', capabilities: ['x', 'y', 'z'] });
    expect(many).toEndWith('; and 2 more problems');
    expect(many.split('; ')).toHaveLength(4);
  });

  test('a long bad string is cut in the message', () => {
    const message = bad({ v: 2, ...started({ lease: 'x'.repeat(10_000) }) });
    expect(message.length).toBeLessThan(200);
    expect(message).toContain('xxx…"');
  });
});

describe('batch frames', () => {
  const batch = (messages: unknown) => json({ v: 2, type: 'batch', messages });

  test('the position of the bad message is in the path', () => {
    const messages = [started({}), toDispatcher.heartbeat(1), started({ lease: 'x' })];
    expect(failure(batch(messages), 'toDispatcher', 'FRAME_MALFORMED')).toBe(
      'messages[2].lease: expected an opaque id (16 to 64 base64url characters), got string "x" (in a "started" message)',
    );
  });

  test('one bad message rejects the whole batch, and every bad one is reported', () => {
    const messages = [{ type: 'nope' }, started({}), 5, { type: 'batch', messages: [] }, { key: 'k' }];
    const message = failure(batch(messages), 'toDispatcher', 'FRAME_MALFORMED');
    expect(message).toStartWith(
      'messages[0].type: unknown message type "nope"; ' +
        'a dispatcher receives hello, heartbeat, started, outcome, returned, draining, capabilities, state.get, state.set, log; ' +
        'messages[2]: expected a message object, got 5; ' +
        'messages[3].type: a batch cannot hold another batch; and 1 more problem',
    );
  });

  test('messages must be an array', () => {
    expect(failure(json({ v: 2, type: 'batch' }), 'toWorker', 'FRAME_MALFORMED')).toBe(
      'messages: missing (expected an array)',
    );
    expect(failure(batch({ 0: started({}) }), 'toWorker', 'FRAME_MALFORMED')).toBe(
      'messages: expected an array, got an object',
    );
  });
});

describe('frame size', () => {
  test('a text frame over the limit, counted in UTF-8 bytes', () => {
    const frame = encodeFrame(toDispatcher.log('info', 'x'.repeat(200)));
    expect(failure(frame, 'toDispatcher', 'FRAME_TOO_LARGE', 100)).toBe(
      `frame is ${frame.length} bytes; the limit is 100 (max_message_size)`,
    );
    // 90 characters, 120 bytes: the length alone would pass a 100-byte limit.
    const wide = encodeFrame(toDispatcher.log('info', 'é'.repeat(30)));
    expect(wide.length).toBeLessThan(100);
    expect(utf8Length(wide)).toBeGreaterThan(100);
    expect(failure(wide, 'toDispatcher', 'FRAME_TOO_LARGE', 100)).toStartWith(`frame is ${utf8Length(wide)} bytes`);
  });

  test('a binary frame over the limit is refused before it is decoded', () => {
    const bytes = new Uint8Array(2000).fill(0xff); // not UTF-8 either: the size is what is reported
    expect(failure(bytes, 'toWorker', 'FRAME_TOO_LARGE', 1000)).toBe(
      'frame is 2000 bytes; the limit is 1000 (max_message_size)',
    );
    expect(failure(bytes.buffer, 'toWorker', 'FRAME_TOO_LARGE', 1000)).toStartWith('frame is 2000 bytes');
  });

  test('a frame of exactly the limit is accepted, one byte less is not', () => {
    const frame = encodeFrame(toDispatcher.log('info', 'ü'.repeat(30)));
    const size = utf8Length(frame);
    expect(decodeFrame(frame, 'toDispatcher', { maxBytes: size }).ok).toBe(true);
    expect(decodeFrame(new TextEncoder().encode(frame), 'toDispatcher', { maxBytes: size }).ok).toBe(true);
    failure(frame, 'toDispatcher', 'FRAME_TOO_LARGE', size - 1);
  });
});

describe('never throws', () => {
  test('mutated valid frames, truncated frames and random bytes all get an answer', () => {
    const random = seededRandom(42);
    const valid = [
      encodeFrame([toWorker.assign(LEASE, sampleRequest, 100), toWorker.abort('k', 'r')]),
      encodeFrame(toDispatcher.outcome('k', LEASE, { ok: false, error: { name: 'E', code: 'E_M', message: 'm' }, retryable: true })),
    ];
    const alphabet = [...'{}[]":,0123456789-.eE truefalsnul\\"ab\u00e9\u{1F600}'];
    const pick = () => alphabet[Math.floor(random() * alphabet.length)];
    for (let i = 0; i < 3000; i++) {
      const base = valid[i % valid.length];
      let data: FrameData;
      switch (i % 3) {
        case 0: {
          const chars = [...base];
          for (let k = 0; k < 3; k++) chars[Math.floor(random() * chars.length)] = pick();
          data = chars.join('');
          break;
        }
        case 1:
          data = base.slice(0, Math.floor(random() * base.length));
          break;
        default:
          data = Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256));
      }
      for (const direction of ['toDispatcher', 'toWorker'] as const) {
        const result = decodeFrame(data, direction, { maxBytes: 4096 });
        if (!result.ok) {
          expect(['FRAME_MALFORMED', 'PROTOCOL_VERSION', 'FRAME_TOO_LARGE']).toContain(result.error.code);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }
    }
  });

  test('a deeply nested frame is malformed, not a crash', () => {
    const nested = '['.repeat(100_000) + ']'.repeat(100_000);
    const deep = `{"v":2,"type":"log","level":"info","message":"m","fields":{"a":${nested}}}`;
    const result = decodeFrame(deep, 'toDispatcher', { maxBytes: 1_000_000 });
    // Either outcome is fine as long as it does not throw; JSON.parse may or may not manage it.
    expect(typeof result.ok).toBe('boolean');
  });
});
