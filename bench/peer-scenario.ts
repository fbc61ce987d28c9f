/**
 * The peer: BullMQ on a private Redis, on this machine, so the bench can print the swarm's
 * figures as ratios to it. Prints one JSON line (a PeerResult).
 *
 *   bun bench/peer-scenario.ts bullmq-flat  --tasks N --concurrency C [--aof]
 *   bun bench/peer-scenario.ts bullmq-chain --tasks 200 --concurrency C [--aof]
 *
 * Each run starts its own `redis-server` on 127.0.0.1 (a free port, a temp dir, no RDB
 * snapshots; `--aof`: append-only file with fsync every second, the closest to the swarm's
 * journal, which is durable before dependents start), and stops it at the end, whatever
 * happens. Jobs are no-ops; BullMQ keeps completed jobs (its default), as the swarm keeps its
 * journal.
 *   bullmq-flat: N independent jobs added with addBulk, a Worker of concurrency C; jobs/s from
 *     the first add to the last completion.
 *   bullmq-chain: a FlowProducer flow N deep (each job the only child of the next), so the jobs
 *     run strictly one after another; µs per step from the add to the root's completion.
 * Needs `redis-server` on the PATH and the `bullmq` dev dependency: scripts/peer-bench.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseArgs, runScenarioMain, UsageError } from './lib.ts';
import { PEER_SCENARIO_KINDS, type PeerResult, type PeerScenarioKind } from './results.ts';

/** Bounds on every wait, so the bench can never hang on the peer. */
const REDIS_READY_MS = 10_000;
const RUN_LIMIT_MS = 300_000;

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

/** Whether Redis on `port` answers PING with PONG. */
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

async function startRedis(aof: boolean): Promise<{ port: number; child: ChildProcess; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'swarm-peer-redis-'));
  const persistence = aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence], { stdio: 'ignore' });
  const deadline = Date.now() + REDIS_READY_MS;
  while (!(await pong(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopRedis(child, dir);
      throw new Error(`redis-server did not answer on port ${port} within ${REDIS_READY_MS} ms`);
    }
    await Bun.sleep(20);
  }
  return { port, child, dir };
}

async function stopRedis(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Resolves when `check` holds, polled; rejects after RUN_LIMIT_MS. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + RUN_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${RUN_LIMIT_MS / 1000} s`);
    await Bun.sleep(1);
  }
}

async function peer(kind: PeerScenarioKind, options: Map<string, string | true>): Promise<PeerResult> {
  const tasks = intOption(options, 'tasks', kind === 'bullmq-flat' ? 10_000 : 200);
  const concurrency = intOption(options, 'concurrency', 8);
  const aof = options.get('aof') === true;
  const { Queue, Worker, FlowProducer } = await import('bullmq');
  const loadStart = loadavg()[0];
  const redis = await startRedis(aof);
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const name = `bench-${kind}`;
  const queue = new Queue(name, { connection });
  let completed = 0;
  const worker = new Worker(name, async () => null, { connection, concurrency });
  worker.on('completed', () => void completed++);
  const flows = kind === 'bullmq-chain' ? new FlowProducer({ connection }) : null;
  try {
    await worker.waitUntilReady();
    const start = performance.now();
    if (kind === 'bullmq-flat') {
      const CHUNK = 1_000;
      for (let i = 0; i < tasks; i += CHUNK) {
        await queue.addBulk(Array.from({ length: Math.min(CHUNK, tasks - i) }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
      }
    } else {
      // Innermost first: job 0 is the deepest child, job N-1 the root.
      let node: { name: string; queueName: string; data: unknown; children?: unknown[] } = { name: 'step-0', queueName: name, data: { i: 0 } };
      for (let i = 1; i < tasks; i++) node = { name: `step-${i}`, queueName: name, data: { i }, children: [node] };
      await flows!.add(node as never);
    }
    await until(() => completed >= tasks, `${tasks} ${kind} jobs to complete`);
    const seconds = (performance.now() - start) / 1000;
    return {
      scenario: kind,
      threads: 0,
      seconds,
      bunVersion: Bun.version,
      loadAvg: { start: loadStart, end: loadavg()[0] },
      tasks,
      concurrency,
      persistence: aof ? 'aof-everysec' : 'none',
      jobsPerSecond: tasks / seconds,
      usPerJob: (seconds * 1e6) / tasks,
    };
  } finally {
    await Promise.allSettled([worker.close(), queue.close(), flows?.close()]);
    await stopRedis(redis.child, redis.dir);
  }
}

runScenarioMain(async () => {
  const { positional, options } = parseArgs(process.argv.slice(2));
  const kind = positional[0] as PeerScenarioKind;
  if (!PEER_SCENARIO_KINDS.includes(kind)) throw new UsageError(`scenario must be one of ${PEER_SCENARIO_KINDS.join(', ')}`);
  return peer(kind, options);
});
