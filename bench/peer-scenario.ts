/**
 * The peer: BullMQ on a private Redis (bench/peer-redis.ts), on this machine, so the bench can
 * print the swarm's figures as ratios to it. Prints one JSON line (a PeerResult).
 *
 *   bun bench/peer-scenario.ts bullmq-flat  [--tasks 10000] [--concurrency 8] [--warmup 1000] [--aof] [--dir D]
 *   bun bench/peer-scenario.ts bullmq-chain [--tasks 200] [--concurrency 8] [--warmup 200] [--aof] [--dir D]
 *
 * `--dir`: where Redis's directory goes (run.ts passes one it removes whatever happens).
 * `--aof`: Redis with an append-only file fsynced every second, the closest to the swarm's
 * journal; without it, no persistence at all. Jobs are no-ops; BullMQ keeps completed jobs (its
 * default), as the swarm keeps its journal. A warm-up of the same shape runs first on the same
 * queue and worker, as the swarm's scenarios warm up in-process, so neither side pays for a
 * cold JIT.
 *   bullmq-flat: N independent jobs added with addBulk, one Worker of concurrency C (the swarm's
 *     slots); jobs/s from the first add to the last completion.
 *   bullmq-chain: a FlowProducer flow N deep (each job the only child of the next), so the jobs
 *     run strictly one after another; µs per step from the add to the root's completion.
 * Needs `redis-server` on the PATH and the bullmq/ioredis dev dependencies: scripts/peer-bench.sh.
 */
import type { FlowJob, FlowProducer, Queue, Worker } from 'bullmq';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { intOption, parseArgs, procCpuUs, runScenarioMain, UsageError } from './lib.ts';
import { startRedis, type Persistence } from './peer-redis.ts';
import { PEER_SCENARIO_KINDS, type PeerResult, type PeerScenarioKind } from './results.ts';

/** Bounds on every wait, so the scenario never hangs on the peer. */
const RUN_LIMIT_MS = 300_000;
const CLOSE_MS = 10_000;
const ADD_CHUNK = 1_000;

/** Counts the worker's completions; a failed job or an error of any BullMQ client fails the wait at once. */
function completions(worker: Worker, others: { on(event: 'error', listener: (err: Error) => void): unknown }[]) {
  let done = 0;
  let failure: Error | null = null;
  let waiter: { target: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  worker.on('completed', () => {
    if (++done >= (waiter?.target ?? Infinity)) waiter!.resolve();
  });
  const fail = (err: Error) => {
    failure ??= err;
    waiter?.reject(err);
  };
  worker.on('failed', (job, err) => fail(new Error(`BullMQ job ${job?.id ?? '?'} failed: ${err.message}`)));
  worker.on('error', (err) => fail(new Error(`BullMQ worker: ${err.message}`)));
  for (const client of others) client.on('error', (err) => fail(new Error(`BullMQ: ${err.message}`)));
  return {
    /** Resolves once `target` jobs have completed since the worker started. */
    reach(target: number, what: string): Promise<void> {
      if (failure) return Promise.reject(failure);
      if (done >= target) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const settle = (f: () => void) => {
          clearTimeout(timer);
          waiter = null;
          f();
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`${what}: ${done} of ${target} jobs completed within ${RUN_LIMIT_MS / 1000} s`))),
          RUN_LIMIT_MS,
        );
        waiter = { target, resolve: () => settle(resolve), reject: (e) => settle(() => reject(e)) };
      });
    },
  };
}

async function addFlat(queue: Queue, n: number): Promise<void> {
  for (let i = 0; i < n; i += ADD_CHUNK) {
    await queue.addBulk(Array.from({ length: Math.min(ADD_CHUNK, n - i) }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
  }
}

/** A flow n deep: step 0 is the innermost child, step n-1 the root, so they run in order. */
async function addChain(flows: FlowProducer, queueName: string, n: number): Promise<void> {
  let node: FlowJob = { name: 'step-0', queueName, data: { i: 0 } };
  for (let i = 1; i < n; i++) node = { name: `step-${i}`, queueName, data: { i }, children: [node] };
  await flows.add(node);
}

async function loadBullmq(): Promise<typeof import('bullmq')> {
  if (!Bun.which('redis-server')) throw new Error('redis-server is not on the PATH: run `bash scripts/peer-bench.sh`');
  try {
    return await import('bullmq');
  } catch (err) {
    throw new Error(`bullmq does not load (${(err as Error).message}): run \`bash scripts/peer-bench.sh\``);
  }
}

function versions(): PeerResult['versions'] {
  const bullmq = (JSON.parse(readFileSync(Bun.resolveSync('bullmq/package.json', import.meta.dir), 'utf8')) as { version: string }).version;
  const out = Bun.spawnSync(['redis-server', '--version'], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString();
  return { bullmq, redis: /v=(\S+)/.exec(out)?.[1] ?? null };
}

async function peer(kind: PeerScenarioKind, options: Map<string, string | true>): Promise<PeerResult> {
  const flat = kind === 'bullmq-flat';
  const tasks = intOption(options, 'tasks', flat ? 10_000 : 200);
  const warmup = intOption(options, 'warmup', flat ? 1_000 : 200, 0);
  const concurrency = intOption(options, 'concurrency', 8);
  const persistence: Persistence = options.get('aof') === true ? 'aof-everysec' : 'none';
  const { Queue, Worker, FlowProducer } = await loadBullmq();
  const loadStart = loadavg()[0];
  const redis = await startRedis(persistence, typeof options.get('dir') === 'string' ? (options.get('dir') as string) : undefined);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const name = `bench-${kind}`;
    const queue = new Queue(name, { connection });
    closers.push(() => queue.close());
    const flows = new FlowProducer({ connection });
    closers.push(() => flows.close());
    const worker = new Worker(name, async () => null, { connection, concurrency });
    closers.push(() => worker.close());
    const done = completions(worker, [queue, flows]);
    await worker.waitUntilReady();
    const submit = (n: number) => (flat ? addFlat(queue, n) : addChain(flows, name, n));

    if (warmup > 0) {
      await submit(warmup);
      await done.reach(warmup, 'warm-up');
    }
    const cpu0 = { self: procCpuUs('self'), redis: procCpuUs(redis.pid) };
    const start = performance.now();
    await submit(tasks);
    await done.reach(warmup + tasks, `${tasks} ${kind} jobs`);
    const seconds = (performance.now() - start) / 1000;
    const cores = (a: number | null, b: number | null) => (a === null || b === null ? null : (b - a) / 1e6 / seconds);
    return {
      scenario: kind,
      threads: 0,
      seconds,
      bunVersion: Bun.version,
      loadAvg: { start: loadStart, end: loadavg()[0] },
      tasks,
      warmupJobs: warmup,
      concurrency,
      persistence,
      jobsPerSecond: tasks / seconds,
      usPerJob: (seconds * 1e6) / tasks,
      cores: { scenario: cores(cpu0.self, procCpuUs('self')), redis: cores(cpu0.redis, procCpuUs(redis.pid)) },
      versions: versions(),
    };
  } finally {
    // close() waits for active jobs and talks to Redis: bounded, in case Redis is the problem.
    await Promise.race([Promise.allSettled(closers.reverse().map((close) => close())), Bun.sleep(CLOSE_MS)]);
    await redis.stop();
  }
}

runScenarioMain(async () => {
  const { positional, options } = parseArgs(process.argv.slice(2));
  const kind = positional[0] as PeerScenarioKind;
  if (!PEER_SCENARIO_KINDS.includes(kind)) throw new UsageError(`scenario must be one of ${PEER_SCENARIO_KINDS.join(', ')}`);
  return peer(kind, options);
});
