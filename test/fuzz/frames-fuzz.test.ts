import { afterAll, beforeAll, expect, test } from 'bun:test';
import { attemptKey } from '../../src/execution.ts';
import { decodeFrame, WIRE_ERROR_CODES, type ToWorkerMessage } from '../../src/protocol/index.ts';
import { pollUntil } from '../cli/worker-process.ts';
import { Failures, finish, leakIn, shorten, showInput } from './checks.ts';
import { frameCase, type Frame, type FrameCase } from './gen-frames.ts';
import { pool } from './harness.ts';
import { startLiveSwarm, TOKEN, type LiveSwarm } from './live-swarm.ts';
import { caseCount, caseIndexes, fuzzSeed, testTimeout, Rng } from './prng.ts';

/**
 * Worker-protocol fuzzer: ~300 connections to /workers of ONE live `swarm start-dispatcher`
 * (token, a legitimate worker process, a live run of delay tasks, and a side run of php_engine
 * tasks that only fuzz connections offer, so they get real assignments to answer wrongly).
 *
 * Per connection: what the dispatcher sends decodes as protocol frames; its errors are short,
 * with known codes and no stack or path; a bad hello (huge/NUL name, wrong token, the
 * legitimate worker's name...) gets an error and a close, never a welcome; three malformed
 * frames close the connection; a guessed lease is never accepted. Every 25 connections: the
 * dispatcher is up, /health ok, RSS bounded. At the end: the side run ended (no task left
 * assigned), worker log lines kept the dispatcher's own level/time/msg/node, and the live run
 * succeeded with every task once on the legitimate worker, never displaced.
 */

const FUZZER = 'frames-fuzz';
const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(300));
const MAX_RSS_MIB = 1_024;
const SIDE_TASKS = 30;

let swarm: LiveSwarm;
let sideRunId: string;
beforeAll(async () => {
  swarm = await startLiveSwarm({ tasks: 40, taskMs: 300, extraCoordinator: ['node_wait_timeout = 8000'] });
  const lines = ['name: fuzz-side', 'symbols:'];
  for (let i = 0; i < SIDE_TASKS; i++) lines.push(`  - name: p${i}`, '    type: action', '    dispatch: php_engine', '    timeout: 1500', '    retries: 1');
  const deployed = await swarm.post<{ runId: string }>('/api/runs', { source: lines.join('\n') + '\n', format: 'yaml' });
  if (deployed.status !== 201) throw new Error(`deploying the side run: ${deployed.status} ${JSON.stringify(deployed.json)}`);
  sideRunId = deployed.json.runId;
}, 60_000);
afterAll(async () => {
  await swarm?.stop();
});

interface Conn {
  ws: WebSocket;
  opened: boolean;
  raw: Frame[];
  messages: ToWorkerMessage[];
  undecodable: string[];
  closed: Promise<number>;
  isClosed: () => boolean;
  lastMessageAt: number;
}

async function connect(port: number, headerToken: FrameCase['headerToken']): Promise<Conn> {
  const headers: Record<string, string> = headerToken === 'right' ? { authorization: `Bearer ${TOKEN}` } : headerToken === 'wrong' ? { authorization: 'Bearer wrong' } : {};
  const ws = new WebSocket(`ws://127.0.0.1:${port}/workers`, { headers } as never);
  ws.binaryType = 'arraybuffer';
  let closedFlag = false;
  const conn: Conn = {
    ws,
    opened: false,
    raw: [],
    messages: [],
    undecodable: [],
    closed: new Promise<number>((resolve) => ws.addEventListener('close', (e) => ((closedFlag = true), resolve(e.code)))),
    isClosed: () => closedFlag,
    lastMessageAt: Date.now(),
  };
  ws.addEventListener('message', (e) => {
    conn.lastMessageAt = Date.now();
    const data = typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer);
    conn.raw.push(data);
    const decoded = decodeFrame(data, 'toWorker', { maxBytes: 1 << 26 });
    if (decoded.ok) conn.messages.push(...decoded.messages);
    else conn.undecodable.push(`${decoded.error.message}: ${shorten(String(data), 200)}`);
  });
  await Promise.race([
    new Promise<void>((resolve) => ws.addEventListener('open', () => ((conn.opened = true), resolve()))),
    conn.closed,
    Bun.sleep(5_000),
  ]);
  return conn;
}

/** Waits until `check` holds, the connection closes, or `ms` pass. */
async function waitFor(conn: Conn, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && !conn.isClosed() && Date.now() < deadline) await Bun.sleep(10);
}

/** Waits until nothing has come for `quietMs` (or closed), at most `ms`. */
async function settle(conn: Conn, quietMs: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!conn.isClosed() && Date.now() < deadline && Date.now() - conn.lastMessageAt < quietMs) await Bun.sleep(10);
  while (!conn.isClosed() && Date.now() < deadline && Date.now() - conn.lastMessageAt < quietMs) await Bun.sleep(10);
}

type Problem = { cls: string; detail: string };

async function runCase(c: FrameCase, port: number): Promise<Problem[]> {
  const problems: Problem[] = [];
  const conn = await connect(port, c.headerToken);
  const errorsOf = () => conn.messages.filter((m): m is Extract<ToWorkerMessage, { type: 'error' }> => m.type === 'error');
  try {
    if (c.headerToken !== 'right') {
      if (conn.opened) problems.push({ cls: `frames: the /workers upgrade was accepted ${c.headerToken === 'none' ? 'without a token' : 'with a wrong token'}`, detail: 'the WebSocket opened' });
      return problems;
    }
    if (!conn.opened) {
      problems.push({ cls: 'frames: a connection with the token could not open', detail: 'no open within 5 s' });
      return problems;
    }
    conn.ws.send(c.hello);
    await waitFor(conn, () => conn.messages.length > 0 || conn.undecodable.length > 0, 3_000);
    const welcomed = conn.messages.some((m) => m.type === 'welcome');
    const helloKind = /hello (\w+)/.exec(c.label)?.[1] ?? '?';
    if (c.helloValid && !welcomed) {
      problems.push({ cls: 'frames: a valid hello was not welcomed', detail: `got ${JSON.stringify(conn.messages).slice(0, 300)} closed=${conn.isClosed()}` });
    }
    const ambiguous = helloKind === 'badCapacity' || helloKind === 'hugeResume';
    if (!c.helloValid && !ambiguous) {
      if (welcomed) {
        problems.push({
          cls: helloKind === 'takeover' ? 'frames: a hello under the legitimate worker\'s name was welcomed' : /Name/.test(helloKind) ? `frames: a bad worker name (${helloKind}) was welcomed` : `frames: a bad hello (${helloKind}) was welcomed`,
          detail: shorten(showInput(typeof c.hello === 'string' ? c.hello : c.hello, 200), 300),
        });
      } else {
        await Promise.race([conn.closed, Bun.sleep(3_000)]);
        if (!conn.isClosed()) problems.push({ cls: `frames: a refused hello (${helloKind}) left the connection open`, detail: `errors: ${JSON.stringify(errorsOf()).slice(0, 200)}` });
        if (errorsOf().length === 0) problems.push({ cls: `frames: a refused hello (${helloKind}) got no error frame`, detail: JSON.stringify(conn.messages).slice(0, 200) });
      }
    }
    if (welcomed && !conn.isClosed()) {
      let assign: { key: string; lease: string } | null = null;
      if (c.assignments) {
        await waitFor(conn, () => conn.messages.some((m) => m.type === 'assign'), 400);
        const a = conn.messages.find((m): m is Extract<ToWorkerMessage, { type: 'assign' }> => m.type === 'assign');
        if (a) assign = { key: attemptKey(a.request), lease: a.lease };
      }
      const frames = typeof c.frames === 'function' ? c.frames(assign) : c.frames;
      for (const f of frames) {
        if (conn.isClosed()) break;
        conn.ws.send(f);
      }
      await settle(conn, 150, 2_500);
      if (c.malformedAfter >= 3) {
        await Promise.race([conn.closed, Bun.sleep(2_000)]);
        if (!conn.isClosed()) problems.push({ cls: 'frames: three malformed frames did not close the connection', detail: `errors ${errorsOf().length}` });
      }
      for (const m of conn.messages) {
        if (m.type === 'accepted' && !assign) problems.push({ cls: 'frames: an outcome with a guessed lease was accepted', detail: JSON.stringify(m) });
        if (m.type === 'accepted' && assign && m.key !== assign.key) problems.push({ cls: 'frames: an outcome for a key not assigned to this connection was accepted', detail: JSON.stringify(m) });
      }
    }
    for (const e of errorsOf()) {
      if (!(WIRE_ERROR_CODES as readonly string[]).includes(e.code)) problems.push({ cls: 'frames: an error frame with an unknown code', detail: e.code });
      if (e.message.length > 4_000) problems.push({ cls: 'frames: an error message over 4,000 characters', detail: `${e.message.length} chars: ${shorten(e.message, 200)}` });
      const leak = leakIn(e.message);
      if (leak) problems.push({ cls: `frames: an error frame shows ${leak.split(':')[0]}`, detail: leak });
    }
    for (const u of conn.undecodable) problems.push({ cls: 'frames: the dispatcher sent a frame the protocol cannot decode', detail: u });
    for (const m of conn.messages) {
      if (m.type === 'state.error') {
        const leak = leakIn(`${m.error.message}\n${m.error.stack ?? ''}`);
        if (leak) problems.push({ cls: `frames: a state.error shows ${leak.split(':')[0]}`, detail: `${leak}; the error: ${shorten(JSON.stringify(m.error), 600)}` });
      }
    }
    return problems;
  } finally {
    if (!conn.isClosed()) conn.ws.close(1000, 'done');
    await Promise.race([conn.closed, Bun.sleep(2_000)]);
  }
}

interface LogLine {
  level?: unknown;
  msg?: unknown;
  time?: unknown;
  node?: unknown;
  hostname?: unknown;
  pid?: unknown;
  component?: unknown;
}

test(`frames: ${indexes.length} worker connections against a live dispatcher, FUZZ_SEED=${seed}`, async () => {
  const failures = new Failures(FUZZER, seed);
  const markers: { marker: string; level: string; name: string; index: number; label: string }[] = [];
  let done = 0;
  let vitalsChecked = 0;
  const checkVitals = async (i: number) => {
    for (const problem of await swarm.vitals(MAX_RSS_MIB)) {
      failures.add({ cls: `frames: the dispatcher is unwell (${problem.split(' ').slice(0, 4).join(' ')})`, index: i, label: 'vitals after the connections so far', input: '(the cases before this index)', detail: problem, size: 0 });
    }
    vitalsChecked++;
  };
  await pool(indexes, 6, async (i) => {
    const c = frameCase(Rng.forCase(seed, 'frames', i), i, TOKEN, swarm.liveRunId);
    for (const m of c.logMarkers) markers.push({ ...m, name: c.name, index: i, label: c.label });
    const input = showInput(typeof c.hello === 'string' ? c.hello : c.hello, 200);
    let problems: Problem[];
    try {
      problems = await runCase(c, swarm.port);
    } catch (error) {
      problems = [{ cls: 'frames: the fuzz client failed', detail: String(error) }];
    }
    for (const p of problems) failures.add({ cls: p.cls, index: i, label: c.label, input, detail: p.detail, size: typeof c.hello === 'string' ? c.hello.length : c.hello.length });
    if (++done % 25 === 0) await checkVitals(i);
  });
  await checkVitals(indexes.length);

  // The side run must end: every task assigned to a fuzz connection was answered, refused,
  // timed out or lost — none stays assigned.
  try {
    const side = await pollUntil(
      async () => {
        const r = await swarm.get<{ status: string; tasks: { name: string; status: string }[] }>(`/api/runs/${sideRunId}`);
        return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
      },
      30_000,
      'the side run (php_engine tasks answered by fuzz connections) to end',
      100,
    );
    const stuck = side.tasks.filter((t) => ['assigned', 'running', 'ready', 'pending', 'retrying'].includes(t.status));
    if (stuck.length > 0) failures.add({ cls: 'frames: the side run ended with tasks not settled', index: -1, label: 'side run', input: '(all cases)', detail: JSON.stringify(stuck.slice(0, 5)), size: 0 });
  } catch (error) {
    let tasks = '';
    try {
      const r = await swarm.get<{ tasks: { name: string; status: string; attempts: number }[] }>(`/api/runs/${sideRunId}`);
      tasks = JSON.stringify(r.tasks.filter((t) => !['succeeded', 'failed', 'skipped'].includes(t.status)).slice(0, 5));
    } catch {
      // reported below anyway
    }
    failures.add({ cls: 'frames: the side run never ended (a task left assigned after an outcome without started?)', index: -1, label: 'side run', input: '(all cases)', detail: `${String(error)}; unsettled: ${tasks}`, size: 0 });
  }

  // Worker log lines keep the dispatcher's own level, time, msg and node.
  const lines: LogLine[] = swarm.dispatcher
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
  let checkedLogs = 0;
  for (const m of markers) {
    const line = lines.find((l) => typeof l.msg === 'string' && l.msg.includes(m.marker)) ?? lines.find((l) => JSON.stringify(l).includes(m.marker));
    if (!line) continue; // debug/verbose lines are below the dispatcher's level
    checkedLogs++;
    const wrong: string[] = [];
    if (line.level !== m.level) wrong.push(`level ${JSON.stringify(line.level)} (sent ${m.level})`);
    if (typeof line.msg !== 'string' || !line.msg.startsWith(m.marker)) wrong.push(`msg ${JSON.stringify(line.msg).slice(0, 60)}`);
    const time = typeof line.time === 'number' ? line.time : typeof line.time === 'string' ? Date.parse(line.time) : NaN;
    if (!(time > 1e12)) wrong.push(`time ${JSON.stringify(line.time)}`);
    if (line.node !== `remote:${m.name}`) wrong.push(`node ${JSON.stringify(line.node)}`);
    if (line.hostname === 'evil' || line.pid === 1) wrong.push('hostname/pid');
    if (wrong.length > 0) failures.add({ cls: 'frames: worker log fields override the dispatcher\'s', index: m.index, label: m.label, input: m.marker, detail: `${wrong.join(', ')}: ${shorten(JSON.stringify(line), 400)}`, size: 0 });
    if (JSON.stringify(line).length > 40_000) failures.add({ cls: 'frames: a worker log line over 40,000 characters in the dispatcher log', index: m.index, label: m.label, input: m.marker, detail: `${JSON.stringify(line).length} chars`, size: 0 });
  }

  for (const problem of await swarm.verdict()) {
    failures.add({ cls: `frames: live swarm: ${problem.slice(0, 60)}`, index: -1, label: 'the live run and the legitimate worker at the end', input: '(all cases)', detail: problem, size: 0 });
  }
  console.error(`${FUZZER}: ${indexes.length} connections, ${markers.length} log lines sent (${checkedLogs} checked), ${vitalsChecked} health checks, FUZZ_SEED=${seed}`);
  expect(finish(failures)).toEqual([]);
}, testTimeout(300_000));
