/**
 * What `bun run bench` runs: the list of scenarios (id, table label, the scenario script and its
 * arguments) for the chosen options — raw piscina, the swarm, remote workers, resume after
 * SIGKILL, re-simulation and the peer (BullMQ) — and where the scenario scripts are. run.ts filters it by `--only`
 * and runs each entry in a child process (bench/run-child.ts).
 */
import { dirname, resolve } from 'node:path';
import { fmtInt } from './lib.ts';

const HERE = dirname(new URL(import.meta.url).pathname);
export const SCENARIO = resolve(HERE, 'scenario.ts');
const REMOTE_SCENARIO = resolve(HERE, 'remote-scenario.ts');
const RESUME_SCENARIO = resolve(HERE, 'resume-scenario.ts');
const RESIMULATE_SCENARIO = resolve(HERE, 'resimulate-scenario.ts');
const PEER_SCENARIO = resolve(HERE, 'peer-scenario.ts');
const CLI_RUN_SCENARIO = resolve(HERE, 'cli-run-scenario.ts');

/**
 * What the peer lacks here, or null when it can run: `redis-server` on the PATH and the bullmq
 * and ioredis dev dependencies (bullmq 6 takes ioredis as a peer); scripts/peer-bench.sh
 * installs them. Without them the peer's rows are skipped, not failed.
 */
export function peerMissing(): string | null {
  const missing = Bun.which('redis-server') ? [] : ['redis-server is not on the PATH'];
  for (const pkg of ['bullmq', 'ioredis']) {
    try {
      Bun.resolveSync(pkg, HERE);
    } catch {
      missing.push(`${pkg} does not resolve`);
    }
  }
  return missing.length > 0 ? missing.join(', ') : null;
}

/** The skipped peer rows' reason, as printed in the table. */
export const PEER_SKIP = 'run scripts/peer-bench.sh';

export interface Plan {
  id: string;
  label: string;
  /** The scenario script (default bench/scenario.ts). */
  script?: string;
  args: string[];
  /** Set when the scenario cannot run here: why, and what to do (the row prints it as skipped). */
  skip?: string;
  /** Run it `--rounds` times and show the median round (bench/rounds.ts). */
  rounds?: boolean;
}

/** The scenario of the 1,000,000-symbol fan-out, measured by its process's peak RSS (full runs only). */
export const FAN_OUT_ID = 'swarm-fan-out-1m';

export function plan(quick: boolean, threads: number, tasksPerThread: number, peerLacks = peerMissing()): Plan[] {
  const pool = ['--threads', String(threads)];
  const swarm = [...pool, '--tasks-per-thread', String(tasksPerThread)];
  const rawCalls = quick ? ['--calls', '20000', '--sweep-calls', '5000', '--repeats', '1'] : ['--calls', '100000', '--repeats', '5'];
  // 50k is the scenario; 10k and 100k show how the rate holds with the run's size.
  const flat = quick ? [1_000, 10_000] : [10_000, 50_000, 100_000];
  const remoteTasks = quick ? 1_000 : 10_000;
  // A long-lived dispatcher's rate is what the row is for, so a full run warms up past the JIT's
  // first seconds (see remote-scenario.ts); a quick run keeps the scenario's shorter default.
  const remote = ['--tasks-per-thread', String(tasksPerThread), '--tasks', String(remoteTasks), ...(quick ? [] : ['--warmup', '20000'])];
  const remoteSlots = `2 threads, ${2 * tasksPerThread} slots`;
  // The same for the chain: after its default 200 steps the JIT has not finished with the step's
  // code. Six interleaved pairs of 1,000-step chains (2026-12-07), 200 against 3,000 warm-up
  // steps: 192–295 against 162–213 µs/step, every pair faster warm (main-thread CPU 146–211
  // against 122–157 µs a step). After 3,000 the JIT's optimizing tier still compiled ~21
  // functions (~40 ms of a JIT thread) during the ~150 ms of the timed 1,000 steps, a third
  // busy thread on 2 cores; after 10,000 ~12, after 20,000 ~3, after 30,000 none
  // (BUN_JSC_reportFTLCompileTimes=1). Five interleaved pairs, 3,000 against 30,000: 124–167
  // against 134–148 µs/step (medians 159 and 142). The peer's chain gets as long a warm-up for
  // its length (30 times it).
  const chainWarmup = quick ? [] : ['--warmup', '30000'];
  // And for the 50k and 100k flat rows: after the default 1,000-task warm-up the optimizing tier
  // compiled ~140 functions (~0.75 s of a JIT thread) during a ~1.6 s 50k run; after a 50,000-task
  // warm-up ~38 (~0.5 s). Three interleaved runs each of 50k after 1,000 / 20,000 / 50,000
  // warm-up tasks (2026-12-07): 24.6–32.8k / 28.9–37.4k / 30.9–42.8k tasks/s, the main thread
  // 22–29 / 20–27 / 18–24 µs a task; three more pairs of 1,000 against 50,000: 26.2–27.9k
  // against 32.0–33.9k. The 10k row keeps the short warm-up: it shows a younger process.
  const flatWarmup = quick ? [] : ['--warmup', '50000'];
  const peerChainWarmup = quick ? [] : ['--warmup', '6000'];
  const resumeTasks = quick ? 1_000 : 10_000;
  const resimulateTasks = quick ? 10_000 : 100_000;
  // The peer's flat run has as many jobs as the swarm's biggest flat run, and as many at once
  // as the swarm has slots.
  const peerFlat = flat[flat.length - 1];
  const peer = ['--concurrency', String(threads * tasksPerThread)];
  const peerSkip = peerLacks === null ? {} : { skip: `${PEER_SKIP} (${peerLacks})` };
  const peerPlans: Plan[] = [
    {
      id: `bullmq-flat-${peerFlat / 1000}k`,
      label: `peer: BullMQ on Redis (no persistence), ${fmtInt(peerFlat)} no-op jobs, concurrency ${threads * tasksPerThread}`,
      script: PEER_SCENARIO,
      ...peerSkip,
      args: ['bullmq-flat', ...peer, '--tasks', String(peerFlat)],
      rounds: true,
    },
    {
      id: `bullmq-flat-${peerFlat / 1000}k-aof`,
      label: `peer: BullMQ on Redis (AOF, fsync every second), ${fmtInt(peerFlat)} no-op jobs`,
      script: PEER_SCENARIO,
      ...peerSkip,
      args: ['bullmq-flat', ...peer, '--tasks', String(peerFlat), '--aof'],
      rounds: true,
    },
    {
      id: 'bullmq-chain-200',
      label: 'peer: BullMQ flow, a chain of 200 no-op jobs (AOF, fsync every second)',
      script: PEER_SCENARIO,
      ...peerSkip,
      args: ['bullmq-chain', ...peer, '--tasks', '200', '--aof', ...peerChainWarmup],
      rounds: true,
    },
  ];
  return [
    {
      id: 'raw-calls',
      label: 'raw piscina, echo worker: 1 request/call, 512 in flight',
      args: ['raw-calls', ...pool, '--in-flight', '512', ...rawCalls],
    },
    {
      id: 'raw-round-trip',
      label: 'raw piscina, echo worker: 1 request/call, 1 in flight',
      args: ['raw-calls', ...pool, '--in-flight', '1', '--calls', quick ? '5000' : '20000', ...(quick ? ['--repeats', '1'] : [])],
    },
    {
      id: 'raw-batched-16',
      label: 'served threads (the executor the swarm uses): 16 noops/message, 64 requests in flight',
      args: ['raw-batched', ...swarm, '--batch', '16', '--in-flight', '64', '--calls', quick ? '2000' : '10000', ...(quick ? ['--repeats', '1'] : [])],
    },
    {
      id: 'raw-batched-slots',
      label: `served threads: ${tasksPerThread} noops/message, ${threads * tasksPerThread} requests in flight (= the swarm's slots)`,
      args: ['raw-batched', ...swarm, '--batch', String(tasksPerThread), '--in-flight', String(threads * tasksPerThread), '--calls', quick ? '5000' : '20000', ...(quick ? ['--repeats', '1'] : [])],
    },
    ...flat.map((n) => ({
      id: `swarm-flat-${n / 1000}k`,
      label: `swarm: ${fmtInt(n)} independent noops, journal on`,
      args: ['swarm-flat', ...swarm, '--tasks', String(n), ...(n >= 50_000 ? flatWarmup : [])],
      rounds: true,
    })),
    // Full runs only: about a minute, most of it building and recording the manifest.
    ...(quick
      ? []
      : [
          {
            id: FAN_OUT_ID,
            label: 'swarm: a 1,000,000-symbol fan-out (no-ops), journal on: peak RSS of its process',
            args: ['swarm-flat', ...swarm, '--tasks', '1000000'],
          },
          {
            id: `${FAN_OUT_ID}-cli`,
            label: 'swarm run fan-out.yaml: the same 1,000,000 symbols as a YAML file, from the command line: peak RSS of the CLI',
            script: CLI_RUN_SCENARIO,
            args: ['cli-run', ...swarm, '--tasks', '1000000'],
          },
        ]),
    {
      id: 'swarm-chain-1k',
      label: 'swarm: chain of 1,000 noops, journal on',
      args: ['swarm-chain', ...swarm, '--tasks', '1000', ...chainWarmup],
      rounds: true,
    },
    {
      id: `remote-flat-${remoteTasks / 1000}k`,
      label: `remote: 1 worker process (${remoteSlots}) over loopback, ${fmtInt(remoteTasks)} independent noops, journal on`,
      script: REMOTE_SCENARIO,
      args: ['remote-flat', ...remote],
      rounds: true,
    },
    {
      id: 'remote-heartbeats-50',
      label: `remote: the same with 50 light clients heartbeating every 1 s`,
      script: REMOTE_SCENARIO,
      args: ['remote-heartbeats', ...remote, '--clients', '50', '--heartbeat', '1000', '--idle-window', quick ? '3' : '5'],
    },
    {
      id: `resume-${resumeTasks / 1000}k`,
      label: `resume after SIGKILL: ${fmtInt(resumeTasks)}-task run killed at 30% done, a fresh process takes it up`,
      script: RESUME_SCENARIO,
      args: ['resume-after-kill', ...swarm, '--tasks', String(resumeTasks)],
    },
    {
      id: `resimulate-${resimulateTasks / 1000}k`,
      label: `re-simulation: a ${fmtInt(resimulateTasks)}-task journal replayed and checked (swarm replay --simulate)`,
      script: RESIMULATE_SCENARIO,
      args: ['resimulate-journal', ...swarm, '--tasks', String(resimulateTasks)],
    },
    ...peerPlans,
  ];
}
