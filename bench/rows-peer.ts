/**
 * The peer's rows (BullMQ on Redis, bench/peer-scenario.ts) and the ratios of the swarm's
 * figures to it, from the same bench run: above 1 means the swarm is faster.
 */
import { fmtInt } from './lib.ts';
import { rate, ratio, type Row } from './render.ts';
import type { PeerResult, SwarmResult } from './results.ts';
import type { Outcome } from './run-child.ts';

export function peerRow(label: string, r: PeerResult): Row {
  const result = r.scenario === 'bullmq-chain' ? `${fmtInt(r.usPerJob)} µs/step (${rate(r.jobsPerSecond, 'steps')})` : `${rate(r.jobsPerSecond, 'jobs')} (${r.seconds.toFixed(2)} s)`;
  return { scenario: label, result, target: 'the peer', ratio: '', met: '' };
}

/** "swarm ÷ BullMQ" lines for the notes; empty when either side did not run. */
export function peerNotes(outcomes: Outcome[]): string[] {
  const ok = outcomes.flatMap((o) => (o.status === 'ok' ? [o.result] : []));
  const flats = ok.filter((r): r is SwarmResult => r.scenario === 'swarm-flat').sort((a, b) => b.tasks - a.tasks);
  const chain = ok.find((r): r is SwarmResult => r.scenario === 'swarm-chain');
  const peers = ok.filter((r): r is PeerResult => r.scenario === 'bullmq-flat' || r.scenario === 'bullmq-chain');
  const lines: string[] = [];
  for (const p of peers) {
    if (p.scenario === 'bullmq-flat') {
      const swarm = flats.find((f) => f.tasks === p.tasks) ?? flats[0];
      if (swarm) lines.push(`swarm ÷ BullMQ (${p.persistence}), flat ${fmtInt(swarm.tasks)} vs ${fmtInt(p.tasks)}: ${ratio(swarm.tasksPerSecond / p.jobsPerSecond)} the throughput (above 1: the swarm is faster)`);
    } else if (chain) {
      lines.push(`swarm ÷ BullMQ (${p.persistence}), chain: ${ratio(p.usPerJob / chain.usPerTask)} the speed per dependent step (BullMQ ${fmtInt(p.usPerJob)} µs, the swarm ${fmtInt(chain.usPerTask)} µs; above 1: the swarm is faster)`);
    }
  }
  return lines;
}
