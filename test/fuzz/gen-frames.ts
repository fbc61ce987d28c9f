import { PROTOCOL_VERSION } from '../../src/protocol/index.ts';
import type { Rng } from './prng.ts';

/**
 * Worker-protocol frame cases for the dispatcher's /workers route. A case is a connection: its
 * upgrade headers, its first frame (a valid hello, usually, or a broken one), then a few
 * mutated frames — wrong types, missing fields, unknown leases, outcomes without started,
 * huge names and values, batches, binary frames, invalid JSON, oversized frames — and, for
 * "assignment" cases (a worker offering php_engine, which the side run needs), answers to a
 * real `assign`: outcome without started, started twice, odd outputs, wrong leases.
 */

export type Frame = string | Uint8Array;

export interface FrameCase {
  label: string;
  /** Send the token in the upgrade's Authorization header. */
  headerToken: 'right' | 'wrong' | 'none';
  /** The first frame. */
  hello: Frame;
  /** Whether `hello` is a valid registration (then a welcome is the right answer). */
  helloValid: boolean;
  /** The name registered, when valid. */
  name: string;
  /** Offers php_engine: the side run's tasks are assigned to it. */
  assignments: boolean;
  /** Frames after the welcome; `(assign) => frames` when they answer an assignment. */
  frames: ((assign: { key: string; lease: string } | null) => Frame[]) | Frame[];
  /** Log lines sent with a marker, to check that their fields do not override the dispatcher's. */
  logMarkers: { marker: string; level: string }[];
  /** Malformed frames sent after the welcome (three close the connection). */
  malformedAfter: number;
}

const v = PROTOCOL_VERSION;
const frame = (message: Record<string, unknown>) => JSON.stringify({ v, ...message });

function randomLease(rng: Rng): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from({ length: 22 }, () => rng.pick(chars.split(''))).join('');
}

function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** One malformed or hostile frame after the welcome, and whether the decoder must refuse it. */
function postHelloFrame(rng: Rng, liveRunId: string, name: string, markers: FrameCase['logMarkers']): { frame: Frame; malformed: boolean; note: string } {
  const kind = rng.weighted<string>([
    [3, 'heartbeat'],
    [3, 'unknownLease'],
    [2, 'liveKey'],
    [2, 'stateSet'],
    [1, 'stateGet'],
    [3, 'log'],
    [1, 'capabilities'],
    [2, 'batch'],
    [2, 'notJson'],
    [1, 'binary'],
    [1, 'binaryJson'],
    [1, 'oversized'],
    [2, 'unknownType'],
    [1, 'wrongDirection'],
    [1, 'wrongVersion'],
    [2, 'missingFields'],
    [1, 'secondHello'],
    [1, 'deep'],
  ]);
  switch (kind) {
    case 'heartbeat': {
      const running = rng.pick<unknown>([0, 1, -1, 1.5, 1e300, '1', null, 2 ** 53]);
      const valid = typeof running === 'number' && Number.isSafeInteger(running) && running >= 0;
      return { frame: frame({ type: 'heartbeat', running }), malformed: !valid, note: `heartbeat ${running}` };
    }
    case 'unknownLease':
      return { frame: frame({ type: rng.pick(['started', 'outcome']), key: `${rng.word()}/t/run/1`, lease: randomLease(rng), outcome: { ok: true, output: 1 } }), malformed: false, note: 'started/outcome for an unknown key and lease' };
    case 'liveKey': {
      // The legitimate worker's attempts: a stranger must be refused (it cannot know the lease).
      const key = `${liveRunId}/t${rng.int(0, 39)}/run/1`;
      const type = rng.pick(['started', 'outcome']);
      return { frame: frame({ type, key, lease: randomLease(rng), outcome: rng.pick([{ ok: true, output: 'hijacked' }, { ok: false, error: { name: 'E', message: 'hijacked' }, retryable: false }]) }), malformed: false, note: `${type} for a live-run key with a guessed lease` };
    }
    case 'stateSet': {
      const value = rng.pick<string>(['1', '"x"', `"${'v'.repeat(200_000)}"`, deepJson(300), deepJson(50_000), '{"__proto__":{"polluted":true}}', 'null']);
      return { frame: `{"v":${v},"type":"state.set","id":${rng.int(0, 5)},"key":${JSON.stringify(rng.pick(['k', '', 'k'.repeat(10_000), 'a\u0000b']))},"value":${value}}`, malformed: false, note: `state.set (${value.length} chars of value)` };
    }
    case 'stateGet':
      return { frame: frame({ type: 'state.get', id: rng.pick<unknown>([0, -1, 'x', 2 ** 60]), key: rng.pick(['k', 'nope', '']) }), malformed: false, note: 'state.get' };
    case 'log': {
      const marker = `fuzz-log-${rng.word(8, 8)}`;
      const level = rng.pick(['error', 'warn', 'info', 'debug', 'verbose']);
      markers.push({ marker, level: level === 'verbose' || level === 'debug' ? level : level });
      const fields = rng.pick<Record<string, unknown>>([
        { level: 'fatal', msg: 'overridden', time: 0, node: 'remote:legit', component: 'dispatcher', pid: 1, hostname: 'evil' },
        { level: 60, msg: 123 },
        { fields: { nested: true }, node: 'x' },
        { big: 'b'.repeat(20_000) },
        {},
      ]);
      return { frame: frame({ type: 'log', level, message: rng.pick([marker, `${marker} ${'m'.repeat(10_000)}`, `${marker}\nforged line {"level":50}`]), fields }), malformed: false, note: `log with fields ${Object.keys(fields).join(',')}` };
    }
    case 'capabilities':
      return { frame: frame({ type: 'capabilities', capabilities: rng.pick<unknown>([['internal'], [], ['php_engine'], Array(100).fill('internal'), ['nope'], 'internal']) }), malformed: false, note: 'capabilities' };
    case 'batch': {
      const n = rng.pick([0, 1, 2, 1_000, 20_000]);
      const inner = rng.pick<Record<string, unknown>>([{ type: 'heartbeat', running: 0 }, { type: 'batch', messages: [] }, { type: 'nope' }, { v, type: 'heartbeat', running: 0 }]);
      return { frame: JSON.stringify({ v, type: 'batch', messages: Array(n).fill(inner) }), malformed: inner.type !== 'heartbeat' && n > 0, note: `batch of ${n} ${String(inner.type)}` };
    }
    case 'notJson':
      return { frame: rng.pick(['{', 'null', '[]', '"x"', '{"v":2,"type":"heartbeat","running":0', '\u0000', '']), malformed: true, note: 'not a JSON object' };
    case 'binary':
      return { frame: rng.bytes(rng.int(1, 64)), malformed: true, note: 'binary garbage' };
    case 'binaryJson':
      return { frame: new TextEncoder().encode(frame({ type: 'heartbeat', running: 0 })), malformed: false, note: 'a valid frame as binary' };
    case 'oversized':
      return { frame: frame({ type: 'log', level: 'info', message: 'x'.repeat(1_100_000), fields: {} }), malformed: true, note: 'a 1.1 MB frame' };
    case 'unknownType':
      return { frame: frame({ type: rng.pick(['nope', '', 'HELLO', '__proto__', 'constructor', 'x'.repeat(10_000)]) }), malformed: true, note: 'unknown type' };
    case 'wrongDirection':
      return { frame: frame({ type: rng.pick(['welcome', 'assign', 'accepted', 'shutdown', 'error']) }), malformed: true, note: 'a dispatcher-to-worker type' };
    case 'wrongVersion':
      return { frame: JSON.stringify({ v: rng.pick<unknown>([1, 3, '2', null, 2.5]), type: 'heartbeat', running: 0 }), malformed: true, note: 'wrong protocol version' };
    case 'missingFields':
      return { frame: frame({ type: rng.pick(['started', 'outcome', 'state.set', 'log', 'heartbeat']) }), malformed: true, note: 'missing fields' };
    case 'secondHello':
      return { frame: frame({ type: 'hello', name, capabilities: ['internal'], capacity: 1 }), malformed: false, note: 'a second hello' };
    default:
      return { frame: `{"v":${v},"type":"heartbeat","running":0,"x":${deepJson(rng.pick([300, 100_000]))}}`, malformed: false, note: 'deep unknown field' };
  }
}

export function frameCase(rng: Rng, index: number, token: string, liveRunId: string): FrameCase {
  const name = `fz-${index}-${rng.word(2, 6)}`;
  const headerToken = rng.weighted<'right' | 'wrong' | 'none'>([
    [12, 'right'],
    [1, 'wrong'],
    [1, 'none'],
  ]);
  const notes: string[] = [`header token ${headerToken}`];
  const markers: FrameCase['logMarkers'] = [];
  const assignments = rng.chance(0.25);
  const capabilities = assignments ? ['php_engine'] : [rng.pick(['rust_injector', 'powershell_engine'])];
  const helloKind = rng.weighted<string>([
    [14, 'valid'],
    [1, 'hugeName'],
    [1, 'nulName'],
    [1, 'emptyName'],
    [1, 'unicodeName'],
    [1, 'takeover'],
    [1, 'noToken'],
    [1, 'wrongToken'],
    [1, 'hugeCapabilities'],
    [1, 'badCapacity'],
    [1, 'hugeResume'],
    [1, 'notHello'],
    [1, 'notJson'],
    [1, 'binary'],
    [1, 'badSession'],
  ]);
  const base = { type: 'hello', name, capabilities, capacity: 1, token };
  let hello: Frame = frame(base);
  let helloValid = helloKind === 'valid';
  switch (helloKind) {
    case 'hugeName':
      hello = frame({ ...base, name: 'n'.repeat(rng.pick([129, 100_000, 900_000])) });
      break;
    case 'nulName':
      hello = frame({ ...base, name: `nul\u0000${rng.word()}` });
      break;
    case 'emptyName':
      hello = frame({ ...base, name: '' });
      break;
    case 'unicodeName':
      hello = frame({ ...base, name: rng.pick(['wörker', 'w\u202eevil', 'w\nx', 'w x', '-w', '🐝']) });
      break;
    case 'takeover':
      hello = frame({ ...base, name: 'legit', capabilities: ['internal'], ...(rng.chance(0.5) ? { session: randomLease(rng) } : {}) });
      break;
    case 'noToken': {
      const { token: _t, ...rest } = base;
      hello = frame(rest);
      break;
    }
    case 'wrongToken':
      hello = frame({ ...base, token: rng.pick(['wrong', '', token + 'x', token.toUpperCase()]) });
      break;
    case 'hugeCapabilities':
      hello = frame({ ...base, capabilities: Array(rng.pick([17, 5_000])).fill('internal') });
      break;
    case 'badCapacity':
      hello = frame({ ...base, capacity: rng.pick<unknown>([0, -1, 1.5, '2', null, 1e9, 2 ** 53]) });
      // A huge but safe capacity may be accepted (1e9, 2^53): the dispatcher must cope either way.
      helloValid = false;
      break;
    case 'hugeResume':
      hello = frame({ ...base, resume: Array(rng.pick([10, 20_000])).fill({ key: `${liveRunId}/t1/run/1`, lease: randomLease(rng) }) });
      helloValid = false; // may be accepted (leases unknown: refused one by one) or refused as too many
      break;
    case 'notHello':
      hello = frame({ type: 'heartbeat', running: 0 });
      break;
    case 'notJson':
      hello = rng.pick(['hello', '{', '']);
      break;
    case 'binary':
      hello = rng.bytes(32);
      break;
    case 'badSession':
      hello = frame({ ...base, session: rng.pick(['short', 'x'.repeat(10_000), 'bad chars!!!!!!!!!!!!!!!!']) });
      break;
  }
  notes.push(`hello ${helloKind}${assignments ? ' (offers php_engine)' : ''}`);
  const plan: { frame: Frame; malformed: boolean; note: string }[] = [];
  for (let k = rng.int(0, 5); k > 0; k--) plan.push(postHelloFrame(rng, liveRunId, name, markers));
  const malformedAfter = plan.filter((p) => p.malformed).length;
  notes.push(...plan.map((p) => p.note));
  let frames: FrameCase['frames'] = plan.map((p) => p.frame);
  if (assignments) {
    const answer = rng.weighted<string>([
      [3, 'outcomeWithoutStarted'],
      [2, 'startedTwice'],
      [2, 'oddOutput'],
      [1, 'wrongLease'],
      [1, 'outcomeTwice'],
      [1, 'hugeError'],
      [1, 'silent'],
      [1, 'wrongKeyRightLease'],
    ]);
    notes.push(`answers an assign: ${answer}`);
    const rest = plan.map((p) => p.frame);
    frames = (assign) => {
      if (!assign) return rest;
      const { key, lease } = assign;
      const ok = (output: unknown) => frame({ type: 'outcome', key, lease, outcome: { ok: true, output } });
      switch (answer) {
        case 'outcomeWithoutStarted':
          return [ok('done without started'), ...rest];
        case 'startedTwice':
          return [frame({ type: 'started', key, lease }), frame({ type: 'started', key, lease }), ok(1), ...rest];
        case 'oddOutput':
          return [
            frame({ type: 'started', key, lease }),
            rng.pick([
              `{"v":${v},"type":"outcome","key":${JSON.stringify(key)},"lease":"${lease}","outcome":{"ok":true,"output":${deepJson(rng.pick([300, 5_000]))}}}`,
              `{"v":${v},"type":"outcome","key":${JSON.stringify(key)},"lease":"${lease}","outcome":{"ok":true,"output":123456789012345678901234567890}}`,
              `{"v":${v},"type":"outcome","key":${JSON.stringify(key)},"lease":"${lease}","outcome":{"ok":true}}`,
              `{"v":${v},"type":"outcome","key":${JSON.stringify(key)},"lease":"${lease}","outcome":{"ok":true,"output":{"__proto__":{"x":1}}}}`,
              `{"v":${v},"type":"outcome","key":${JSON.stringify(key)},"lease":"${lease}","outcome":{"ok":"yes","output":1}}`,
            ]),
            ...rest,
          ];
        case 'wrongLease':
          return [frame({ type: 'started', key, lease: randomLease(rng) }), frame({ type: 'outcome', key, lease: randomLease(rng), outcome: { ok: true, output: 1 } }), ...rest];
        case 'outcomeTwice':
          return [frame({ type: 'started', key, lease }), ok(1), ok(2), ...rest];
        case 'hugeError':
          return [frame({ type: 'started', key, lease }), frame({ type: 'outcome', key, lease, outcome: { ok: false, error: { name: 'E'.repeat(5_000), message: 'm'.repeat(500_000), code: 'C'.repeat(5_000), stack: 's'.repeat(100_000) }, retryable: true } }), ...rest];
        case 'silent':
          return rest;
        default:
          return [frame({ type: 'outcome', key: key.replace(/\/\d+$/, '/99'), lease, outcome: { ok: true, output: 1 } }), ...rest];
      }
    };
  }
  return { label: notes.join('; '), headerToken, hello, helloValid, name, assignments, frames, logMarkers: markers, malformedAfter };
}
