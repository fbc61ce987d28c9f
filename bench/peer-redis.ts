/**
 * A private redis-server for one peer scenario (bench/peer-scenario.ts): 127.0.0.1, a free port,
 * a directory of its own (under the scenario's --dir, which run.ts removes however the scenario
 * ends), no RDB snapshots, and an append-only file or none. It never outlives the scenario:
 * stop() sends SIGTERM, then SIGKILL after a bound; SIGTERM (run.ts's time limit) and SIGINT
 * kill it before the scenario exits; and it runs under a small `sh` watchdog that kills it once
 * the watchdog's stdin closes, which the kernel does when the scenario dies, so even a SIGKILLed
 * scenario leaves no redis-server behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Persistence = 'none' | 'aof-everysec';

const READY_MS = 10_000;
const STOP_GRACE_MS = 5_000;

// fd 3 keeps the scenario's pipe for the reader subshell: an asynchronous list's stdin is
// /dev/null in sh. The reader kills redis at EOF; the shell itself waits for redis, so its exit
// is redis's. INT/HUP are ignored after redis starts, so a Ctrl-C does not kill the watchdog
// (the scenario's handler stops redis itself).
const WATCHDOG = `exec 3<&0
redis-server "$@" </dev/null 3<&- &
r=$!
echo "$r"
trap '' INT HUP
( read _ <&3; kill "$r" 2>/dev/null ) </dev/null &
w=$!
wait "$r"; s=$?
kill "$w" 2>/dev/null; wait "$w" 2>/dev/null
exit "$s"`;

export interface RedisServer {
  port: number;
  /** redis-server's own pid (for its CPU time in /proc). */
  pid: number;
  /** SIGTERM, then SIGKILL after a bound; removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Servers not stopped yet; kill() SIGKILLs one and resolves once its watchdog has reaped it. */
const live = new Set<{ kill(): Promise<void> }>();
process.on('exit', () => live.forEach((s) => void s.kill()));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    // Waiting for the watchdogs lets this process reap them: no zombie is left to init.
    await Promise.race([Promise.allSettled([...live].map((s) => s.kill())), Bun.sleep(3_000)]);
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  });
}

/** Redis cannot listen on port 0, so: a port the kernel just handed out and took back. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether Redis on `port` answers PING with PONG (within 500 ms). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function firstLine(stream: ReadableStream<Uint8Array>, deadline: number): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  try {
    while (!text.includes('\n')) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no pid from the watchdog shell');
      const chunk = await Promise.race([reader.read(), Bun.sleep(left).then(() => null)]);
      if (chunk === null) continue;
      if (chunk.done) throw new Error('the watchdog shell exited before starting redis-server');
      text += new TextDecoder().decode(chunk.value);
    }
    return text.split('\n', 1)[0].trim();
  } finally {
    reader.releaseLock();
  }
}

function tail(path: string, lines = 8): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n') : '';
}

/** `parent`: where its directory goes (default: the system's temp directory). */
export async function startRedis(persistence: Persistence, parent = tmpdir()): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(parent, 'swarm-peer-redis-'));
  const log = join(dir, 'redis.log');
  const errors = join(dir, 'stderr.log');
  const aof = persistence === 'aof-everysec' ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', log, ...aof];
  const shell = Bun.spawn(['sh', '-c', WATCHDOG, 'sh', ...args], { stdin: 'pipe', stdout: 'pipe', stderr: Bun.file(errors) });
  let pid: number | null = null;
  const running = () => shell.exitCode === null && shell.signalCode === null;
  // While the shell runs it has not reaped redis, so `pid` is still redis's (alive or a zombie).
  const signal = (sig: 'SIGTERM' | 'SIGKILL'): void => {
    if (!running()) return;
    if (pid === null) return void shell.kill('SIGKILL'); // redis's pid unknown: the reader kills it at EOF
    try {
      process.kill(pid, sig);
    } catch {
      // gone between the check and the signal
    }
  };
  const kill = async (): Promise<void> => {
    live.delete(entry);
    signal('SIGKILL');
    await Promise.race([shell.exited, Bun.sleep(2_000)]);
    rmSync(dir, { recursive: true, force: true });
  };
  const entry = { kill };
  live.add(entry);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    signal('SIGTERM');
    try {
      shell.stdin.end();
    } catch {
      // already closed
    }
    await Promise.race([shell.exited, Bun.sleep(STOP_GRACE_MS)]);
    await kill();
  };

  const deadline = Date.now() + READY_MS;
  try {
    const printed = Number(await firstLine(shell.stdout, deadline));
    if (!Number.isInteger(printed) || printed <= 0) throw new Error('the watchdog shell printed no pid');
    pid = printed;
    while (!(await pong(port))) {
      if (shell.exitCode !== null) throw new Error(`redis-server exited with code ${shell.exitCode}`);
      if (Date.now() > deadline) throw new Error(`no answer to PING within ${READY_MS / 1000} s`);
      await Bun.sleep(20);
    }
  } catch (err) {
    const why = [tail(log), tail(errors)].filter(Boolean).join('\n');
    await stop();
    throw new Error(`redis-server on 127.0.0.1:${port} did not start: ${(err as Error).message}${why ? `\n${why}` : ''}`);
  }
  return { port, pid: pid!, stop };
}
