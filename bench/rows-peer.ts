/**
 * The peer's rows (BullMQ on Redis, bench/peer-scenario.ts) and the swarm's figures as ratios to
 * the peer's, from the same bench run. Every ratio is oriented so that above 1 means the swarm
 * is faster: throughput swarm ÷ BullMQ for flat runs, time per step BullMQ ÷ swarm for chains.
 */
import { fmtInt } from './lib.ts';
import { FAN_OUT_ID } from './plan.ts';
import { rate, ratio, type Row } from './render.ts';
import type { PeerResult, ScenarioResult, SwarmResult } from './results.ts';
import type { Outcome } from './run-child.ts';

export interface PeerRatio {
  comparison: 'flat' | 'chain';
  /** BullMQ's Redis persistence in that run. */
  persistence: PeerResult['persistence'];
  swarmTasks: number;
  peerTasks: number;
  /** flat: tasks (jobs) per second; chain: µs per step. */
  unit: 'tasks/s' | 'µs/step';
  swarm: number;
  peer: number;
  /** Above 1: the swarm is faster by that factor; below 1: BullMQ is. */
  swarmAdvantage: number;
}

export function peerRow(label: string, r: PeerResult): Row {
  const result =
    r.scenario === 'bullmq-chain'
      ? `${fmtInt(r.usPerJob)} µs/step (${rate(r.jobsPerSecond, 'steps')})`
      : `${rate(r.jobsPerSecond, 'jobs')} (${r.seconds.toFixed(2)} s)`;
  // Neither near 1 core means the run is bound by round trips at this concurrency, not by CPU.
  const { scenario, redis } = r.cores ?? { scenario: null, redis: null };
  const cpu = scenario === null || redis === null ? '' : `; CPU: BullMQ process ${scenario.toFixed(2)}, redis-server ${redis.toFixed(2)} cores`;
  return { scenario: label, result: `${result}${cpu}`, target: 'the peer', ratio: '', met: '' };
}

/**
 * The swarm against each peer result that has a swarm counterpart: a flat run with the same
 * number of tasks (else the biggest flat run), and the chain. Pure, for the results file and
 * the notes.
 */
export function peerRatios(results: ScenarioResult[]): PeerRatio[] {
  const flats = results.filter((r): r is SwarmResult => r.scenario === 'swarm-flat').sort((a, b) => b.tasks - a.tasks);
  const chain = results.find((r): r is SwarmResult => r.scenario === 'swarm-chain');
  const out: PeerRatio[] = [];
  for (const p of results) {
    if (p.scenario === 'bullmq-flat') {
      const peer = p as PeerResult;
      const swarm = flats.find((f) => f.tasks === peer.tasks) ?? flats[0];
      if (!swarm) continue;
      out.push({
        comparison: 'flat',
        persistence: peer.persistence,
        swarmTasks: swarm.tasks,
        peerTasks: peer.tasks,
        unit: 'tasks/s',
        swarm: swarm.tasksPerSecond,
        peer: peer.jobsPerSecond,
        swarmAdvantage: swarm.tasksPerSecond / peer.jobsPerSecond,
      });
    } else if (p.scenario === 'bullmq-chain' && chain) {
      const peer = p as PeerResult;
      out.push({
        comparison: 'chain',
        persistence: peer.persistence,
        swarmTasks: chain.tasks,
        peerTasks: peer.tasks,
        unit: 'µs/step',
        swarm: chain.usPerTask,
        peer: peer.usPerJob,
        swarmAdvantage: peer.usPerJob / chain.usPerTask,
      });
    }
  }
  return out;
}

const PERSISTENCE = { none: 'Redis without persistence', 'aof-everysec': 'Redis with AOF fsync every second' } as const;

function peerNote(r: PeerRatio): string {
  const lead = `the swarm vs BullMQ (${PERSISTENCE[r.persistence]})`;
  const verdict = `${ratio(r.swarmAdvantage)} (above 1: the swarm is faster)`;
  return r.comparison === 'flat'
    ? `${lead}, flat runs of ${fmtInt(r.swarmTasks)} / ${fmtInt(r.peerTasks)} no-ops: ${fmtInt(r.swarm)} tasks/s ÷ ${fmtInt(r.peer)} jobs/s = ${verdict}`
    : `${lead}, chains of ${fmtInt(r.swarmTasks)} / ${fmtInt(r.peerTasks)} dependent no-ops: BullMQ ${fmtInt(r.peer)} µs/step ÷ the swarm ${fmtInt(r.swarm)} µs/step = ${verdict}`;
}

/** Lines for the notes under the table; empty when either side did not run. */
export function peerNotes(outcomes: Outcome[]): string[] {
  return peerRatiosOf(outcomes).map(peerNote);
}

/** The ratios of a bench run; the 1M fan-out measures memory, and is no flat run to compare with. */
export function peerRatiosOf(outcomes: Outcome[]): PeerRatio[] {
  return peerRatios(outcomes.flatMap((o) => (o.status === 'ok' && o.id !== FAN_OUT_ID ? [o.result] : [])));
}
