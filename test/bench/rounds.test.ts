import { describe, expect, test } from 'bun:test';
import { plan } from '../../bench/plan.ts';
import { notes } from '../../bench/render.ts';
import type { PeerResult, SwarmResult } from '../../bench/results.ts';
import { medianRound } from '../../bench/rounds.ts';
import type { Outcome } from '../../bench/run-child.ts';

const base = { label: '', args: [], elapsedMs: 0, cpu: { scenarioCores: null, otherCores: null } };
const flat = (tasksPerSecond: number): Outcome => ({
  ...base,
  id: 'swarm-flat-100k',
  status: 'ok',
  result: { scenario: 'swarm-flat', tasks: 100_000, tasksPerSecond, usPerTask: 1e6 / tasksPerSecond } as SwarmResult,
});

describe('medianRound: the round the table shows', () => {
  test('the median by throughput, carrying every round in the order they ran', () => {
    const chosen = medianRound([flat(30_000), flat(22_000), flat(26_000)]);
    expect(chosen.status === 'ok' && (chosen.result as SwarmResult).tasksPerSecond).toBe(26_000);
    expect(chosen.rounds).toEqual([30_000, 22_000, 26_000]);
  });

  test('an even count takes the lower middle; one round is shown as it is', () => {
    const chosen = medianRound([flat(4), flat(1), flat(3), flat(2)]);
    expect(chosen.status === 'ok' && (chosen.result as SwarmResult).tasksPerSecond).toBe(2);
    expect(medianRound([flat(7)])).toEqual(flat(7));
  });

  test('a failed round is what the table shows, whatever the others did', () => {
    const failed: Outcome = { ...base, id: 'swarm-flat-100k', status: 'failed', error: 'exited with code 1' };
    expect(medianRound([flat(30_000), failed]).status).toBe('failed');
  });

  test("the peer's rounds are ordered by jobs per second", () => {
    const peer = (jobsPerSecond: number): Outcome => ({
      ...base,
      id: 'bullmq-flat-100k',
      status: 'ok',
      result: { scenario: 'bullmq-flat', jobsPerSecond } as PeerResult,
    });
    const chosen = medianRound([peer(9_000), peer(7_000), peer(8_000)]);
    expect(chosen.status === 'ok' && (chosen.result as PeerResult).jobsPerSecond).toBe(8_000);
    expect(notes([chosen])).toContain('bullmq-flat-100k is the median of 3 rounds: 9,000, 7,000, 8,000 jobs/s');
  });

  test('a chain\'s rounds are noted in µs per step, as its row reads', () => {
    const chain = (usPerTask: number): Outcome => ({
      ...base,
      id: 'swarm-chain-1k',
      status: 'ok',
      result: { scenario: 'swarm-chain', tasks: 1_000, usPerTask, tasksPerSecond: 1e6 / usPerTask } as SwarmResult,
    });
    expect(notes([medianRound([chain(160), chain(200), chain(150)])])).toContain('swarm-chain-1k is the median of 3 rounds: 160, 200, 150 µs/step');
  });

  test("the swarm's flat, chain and remote runs and the peer's run in rounds; raw piscina, memory and resume rows do not", () => {
    const inRounds = plan(false, 2, 4, null).filter((p) => p.rounds).map((p) => p.id);
    expect(inRounds).toEqual([
      'swarm-flat-10k', 'swarm-flat-100k', 'swarm-chain-1k', 'remote-flat-10k',
      'bullmq-flat-100k', 'bullmq-flat-100k-aof', 'bullmq-chain-200',
    ]);
  });
});
