import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import pino from 'pino';
import type { SwarmLogger } from '../../src/logger.ts';
import { encodeFrame, PROTOCOL_VERSION, toDispatcher } from '../../src/protocol/index.ts';
import { ThrottledWarnings } from '../../src/server/throttled-warnings.ts';
import { capturedLog, serverConfig, startServer, stopServers } from '../server/helpers.ts';
import { rawWorker, until } from './helpers.ts';

/**
 * What the dispatcher's log says of worker connections it refuses or closes: one warning per
 * connection, with who (the remote address) and why — a token refused before the upgrade, a
 * first frame that is not JSON, not UTF-8, too large, of another protocol version, a hello with
 * a bad name or a wrong token, or no hello in time — at most so many a minute. A registered
 * worker closed for what it sent is lost for that reason, not for "connection closed".
 */

setDefaultTimeout(30_000);
afterEach(stopServers);

const TOKEN = 'sekrit-7f3a';
const auth = { authorization: `Bearer ${TOKEN}` };
const LIMIT = 64 * 1024;
const ADDRESS = /^127\.0\.0\.1:\d+$/;

function server(edit: (c: ReturnType<typeof serverConfig>) => void = () => {}) {
  const captured = capturedLog();
  const s = startServer(
    serverConfig((c) => {
      c.dispatcher.local_workers = 0;
      c.dispatcher.auth_token = TOKEN;
      c.security.max_message_size = LIMIT;
      c.coordinator.heartbeat_interval = 100;
      c.coordinator.heartbeat_timeout = 400;
      edit(c);
    }),
    { log: captured.log },
  );
  return { server: s, ...captured };
}

/** Opens /workers on a raw socket and sends one masked text frame holding `payload` as is (no UTF-8 check on this side). */
async function rawTextFrame(port: number, payload: Buffer): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /workers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise((resolve) => socket.once('data', resolve)); // 101 Switching Protocols
  const mask = Buffer.from([1, 2, 3, 4]);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]));
  await new Promise((resolve) => socket.once('close', resolve));
}

const helloText = (fields: Record<string, unknown>) =>
  JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', name: 'w', capabilities: ['internal'], capacity: 1, token: TOKEN, ...fields });

describe('refused worker connections are logged, one warning each, with who and why', () => {
  test('before the upgrade, and before hello: token, not JSON, not UTF-8, too large, another version, a bad name, a wrong token, no hello', async () => {
    const { server: s, warnings } = server();
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'no token on the upgrade',
        () => fetch(`${s.url}/workers`, { headers: { connection: 'upgrade', upgrade: 'websocket' } }),
        /^worker connection refused before the upgrade \(HTTP 401 UNAUTHORIZED\): Missing or wrong shared token/,
      ],
      [
        'not JSON',
        async () => {
          const raw = await rawWorker(s.port, auth);
          raw.sendRaw('not json');
          return raw.closed;
        },
        /^worker connection refused: FRAME_MALFORMED: frame is not JSON/,
      ],
      ['invalid UTF-8', () => rawTextFrame(s.port, Buffer.from([0xff, 0xfe, 0x80])), /^worker connection closed before it registered: it sent a text frame that is not valid UTF-8/],
      [
        'a frame over max_message_size',
        async () => {
          const raw = await rawWorker(s.port, auth);
          raw.sendRaw('x'.repeat(2 * LIMIT));
          return raw.closed;
        },
        new RegExp(`^worker connection closed before it registered: it sent a frame over \\[security\\] max_message_size \\(${LIMIT} bytes\\)`),
      ],
      [
        'another protocol version',
        async () => {
          const raw = await rawWorker(s.port, auth);
          raw.sendRaw(helloText({ v: 99 }));
          return raw.closed;
        },
        /^worker connection refused: PROTOCOL_VERSION: /,
      ],
      [
        'a bad name',
        async () => {
          const raw = await rawWorker(s.port, auth);
          raw.sendRaw(helloText({ name: 'two words' }));
          return raw.closed;
        },
        /^worker connection refused: FRAME_MALFORMED: name: expected a worker name/,
      ],
      [
        'a wrong token in hello',
        async () => {
          const raw = await rawWorker(s.port, auth);
          raw.send(toDispatcher.hello({ name: 'sneaky', capabilities: ['internal'], capacity: 1, token: 'wrong' }));
          return raw.closed;
        },
        /^worker connection refused: UNAUTHORIZED: missing or wrong shared token/,
      ],
      [
        'nothing at all',
        async () => (await rawWorker(s.port, auth)).closed,
        /^worker connection refused: NOT_REGISTERED: no hello within 400 ms/,
      ],
    ];
    for (const [what, open, expected] of cases) {
      const before = warnings().length;
      await open();
      await until(`a warning for ${what}`, () => warnings().length > before);
      const line = warnings()[before];
      expect({ what, msg: line.msg }).toEqual({ what, msg: expect.stringMatching(expected) });
      expect({ what, address: line.address }).toEqual({ what, address: expect.stringMatching(ADDRESS) });
      expect(line.msg).not.toContain(TOKEN);
    }
    // One line each: nothing more came of any of them.
    expect(warnings().map((l) => l.msg)).toHaveLength(cases.length);
    expect(s.dispatcher.nodeLoads()).toEqual([]);
  });

  test('a flood of bad connections logs at most 20 lines a minute', async () => {
    const { server: s, warnings } = server();
    for (let i = 0; i < 30; i++) {
      const raw = await rawWorker(s.port, auth);
      raw.sendRaw('not json');
      await raw.closed;
    }
    await until('the first 20 lines', () => warnings().length >= 20);
    expect(warnings().filter((l) => l.msg.startsWith('worker connection refused'))).toHaveLength(20);
  });

  test('the summary of what was left out comes when the window ends', async () => {
    const lines: Record<string, any>[] = [];
    const log = pino({ level: 'info', customLevels: { verbose: 15 } }, { write: (line: string) => void lines.push(JSON.parse(line)) }) as unknown as SwarmLogger;
    const throttled = new ThrottledWarnings(log, 'warnings about worker connections', 3, 200);
    for (let i = 0; i < 10; i++) throttled.warn({ i }, `line ${i}`);
    expect(lines.map((l) => l.msg)).toEqual(['line 0', 'line 1', 'line 2']);
    await until('the summary', () => lines.length === 4);
    expect(lines[3]).toMatchObject({ notLogged: 7, msg: '7 more warnings about worker connections in 0 s were not logged (at most 3 lines every 0 s)' });
    throttled.warn({}, 'line 10');
    expect(lines.at(-1)!.msg).toBe('line 10');
    throttled.close();
  });
});

describe('a registered worker closed for what it sent is lost for that reason', () => {
  const register = async (port: number, name: string) => {
    const raw = await rawWorker(port, auth);
    raw.send(toDispatcher.hello({ name, capabilities: ['internal'], capacity: 1, token: TOKEN }));
    await raw.next('welcome');
    return raw;
  };
  const lostLine = (warnings: () => Record<string, any>[], name: string) => warnings().find((l) => l.node === `remote:${name}` && String(l.msg).startsWith('worker lost'));

  test('too many malformed frames: each is a warning, and the loss says so', async () => {
    const { server: s, warnings } = server((c) => (c.coordinator.heartbeat_timeout = 10_000));
    const raw = await register(s.port, 'sloppy');
    for (let i = 0; i < 3; i++) raw.sendRaw(`{"v": ${PROTOCOL_VERSION}, "type": "heartbeat", "running": "lots"}`);
    expect(await raw.closed).toBe(1008);
    await until('the loss to be logged', () => lostLine(warnings, 'sloppy') !== undefined);
    const lost = lostLine(warnings, 'sloppy')!;
    expect(lost.msg).toStartWith('worker lost: the dispatcher closed the connection after 3 malformed frames (the last: FRAME_MALFORMED: running: expected number, got string "lots"');
    const frames = warnings().filter((l) => String(l.msg).startsWith('worker sloppy sent a malformed frame'));
    expect(frames.map((l) => l.msg)).toEqual(
      [1, 2, 3].map((n) => `worker sloppy sent a malformed frame (${n} of 3 before it is closed): FRAME_MALFORMED: running: expected number, got string "lots" (in a "heartbeat" message)`),
    );
    expect(frames[0].address).toMatch(ADDRESS);
  });

  test('a frame over max_message_size: the loss names the limit', async () => {
    const { server: s, warnings } = server((c) => (c.coordinator.heartbeat_timeout = 10_000));
    const raw = await register(s.port, 'chatty');
    raw.sendRaw(encodeFrame(toDispatcher.log('info', 'x'.repeat(2 * LIMIT))));
    await raw.closed;
    await until('the loss to be logged', () => lostLine(warnings, 'chatty') !== undefined);
    expect(lostLine(warnings, 'chatty')!.msg).toBe(`worker lost: it sent a frame over [security] max_message_size (${LIMIT} bytes), and the connection was closed`);
  });
});
