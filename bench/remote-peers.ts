/**
 * The processes bench/remote-scenario.ts starts next to its in-process dispatcher, each a
 * separate OS process talking to it over loopback WebSocket:
 *
 *   bun bench/remote-peers.ts worker  --url ws://127.0.0.1:PORT/workers --name bench-w1 --capacity 8 [--heartbeat 1000]
 *   bun bench/remote-peers.ts clients --url ws://127.0.0.1:PORT/workers --count 50 [--heartbeat 1000]
 *
 * `worker` is a real remote worker (createWorker, as `swarm start-worker` runs it): it
 * registers with `internal` and `capacity` slots and executes what it is assigned on its own
 * threads (RemoteWorker: min(capacity, 2)). `clients` holds `count` light WebSocket clients,
 * each sending a proper `hello` (capabilities `powershell_engine` only, so the scheduler never
 * gives them the benchmark's internal noops: they do not execute anything) and a `heartbeat`
 * every `--heartbeat` ms (or the dispatcher's `welcome.heartbeatInterval`, if shorter), each
 * on its own timer with a random phase. Once all are welcomed it prints `{"ready":…}`; every
 * `count` line on stdin is answered with one JSON line of totals (heartbeats sent, assignments
 * received, connections closed).
 *
 * Both exit when stdin closes, so even a benchmark killed with SIGKILL leaves no process
 * behind; on SIGTERM the worker drains first (bounded), the clients close their sockets.
 */
import { UsageError, intOption, parseArgs } from './lib.ts';

const { positional, options } = parseArgs(process.argv.slice(2));
const mode = positional[0];
const url = options.get('url');
const heartbeatMs = intOption(options, 'heartbeat', 1_000);

/** The parent is gone (or done with us) when our stdin ends. */
function exitWhenStdinEnds(onLine: (line: string) => void = () => {}): void {
  let buffered = '';
  process.stdin.on('data', (chunk) => {
    buffered += String(chunk);
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl).trim());
      buffered = buffered.slice(nl + 1);
    }
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

async function worker(): Promise<void> {
  const name = typeof options.get('name') === 'string' ? (options.get('name') as string) : 'bench-w1';
  const capacity = intOption(options, 'capacity', 8);
  const { Logger } = await import('../src/logger.ts');
  Logger.configure({ level: 'warn' });
  const { defaultConfig } = await import('../src/config/index.ts');
  const { createWorker } = await import('../src/api/create-worker.ts');
  const config = defaultConfig();
  config.worker.heartbeat_interval = heartbeatMs;
  const w = createWorker({ config, name, dispatcherUrl: url as string, maxConcurrentTasks: capacity });
  exitWhenStdinEnds();
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    // Draining is bounded: the benchmark is finished with us either way.
    setTimeout(() => process.exit(1), 5_000).unref();
    w.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await w.start();
}

async function clients(): Promise<void> {
  const count = intOption(options, 'count', 50);
  const capacity = intOption(options, 'capacity', 4);
  const { decodeFrame, encodeFrame, toDispatcher } = await import('../src/protocol/index.ts');
  const hello = (i: number) =>
    encodeFrame(toDispatcher.hello({ name: `bench-hb-${i}`, capabilities: ['powershell_engine'], capacity }));
  const totals = { sent: 0, welcomed: 0, assigned: 0, closed: 0, errors: 0 };
  const sockets: WebSocket[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  let readyPrinted = false;
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(url as string);
    sockets.push(socket);
    socket.addEventListener('open', () => socket.send(hello(i)));
    socket.addEventListener('message', (event) => {
      const decoded = decodeFrame(event.data as string, 'toWorker', { maxBytes: 1 << 20 });
      if (!decoded.ok) {
        totals.errors++;
        return;
      }
      for (const message of decoded.messages) {
        if (message.type === 'welcome') {
          totals.welcomed++;
          const every = Math.min(heartbeatMs, message.heartbeatInterval);
          const beat = encodeFrame(toDispatcher.heartbeat(0));
          // A random phase, as independent workers would have: not 50 beats in one tick.
          setTimeout(() => {
            const send = () => {
              if (socket.readyState !== WebSocket.OPEN) return;
              socket.send(beat);
              totals.sent++;
            };
            send();
            timers.push(setInterval(send, every));
          }, Math.random() * every);
          if (!readyPrinted && totals.welcomed === count) {
            readyPrinted = true;
            print({ ready: true, ...totals });
          }
        } else if (message.type === 'assign') {
          totals.assigned++; // never expected: we did not offer `internal`
        } else if (message.type === 'error') {
          totals.errors++;
          process.stderr.write(`client ${i}: the dispatcher reported ${message.code}: ${message.message}\n`);
        }
      }
    });
    socket.addEventListener('close', (event) => {
      totals.closed++;
      if (!readyPrinted) process.stderr.write(`client ${i}: connection closed before registering (${event.code} ${event.reason})\n`);
    });
    socket.addEventListener('error', () => {}); // 'close' follows
  }

  const closeAll = () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.close(1000, 'bench done');
    setTimeout(() => process.exit(0), 200).unref();
  };
  exitWhenStdinEnds((line) => {
    if (line === 'count') print(totals);
  });
  process.on('SIGTERM', closeAll);
  process.on('SIGINT', closeAll);
}

async function main(): Promise<void> {
  if (typeof url !== 'string' || !/^ws:\/\/127\.0\.0\.1:\d+\//.test(url)) {
    throw new UsageError('--url ws://127.0.0.1:PORT/workers is required (loopback only)');
  }
  if (mode === 'worker') return worker();
  if (mode === 'clients') return clients();
  throw new UsageError('usage: bun bench/remote-peers.ts <worker|clients> --url ws://127.0.0.1:PORT/workers [options]');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench peer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
