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
    expect(medianRound([flat(7)]).rounds).toBeUndefined();
  });

  test('a failed round is what the table shows, whatever the others did, and the notes say which', () => {
    const failed: Outcome = { ...base, id: 'swarm-flat-100k', status: 'failed', error: 'exited with code 1' };
    const shown = medianRound([flat(30_000), failed]);
    expect(shown.status).toBe('failed');
    expect(notes([shown])).toContain('swarm-flat-100k: round 2 failed (the rounds before it: 30,000)');
  });

  test('a scenario run once is shown as it is, even one whose figure is not a throughput (raw piscina)', () => {
    const raw: Outcome = { ...base, id: 'raw-calls', status: 'ok', result: { scenario: 'raw-calls', requestsPerSecond: 150_000 } as never };
    expect(medianRound([raw])).toEqual(raw);
  });

  test('a round that ended well without a throughput counts as failed', () => {
    const empty: Outcome = { ...base, id: 'swarm-flat-100k', status: 'ok', result: { scenario: 'swarm-flat' } as SwarmResult };
    const shown = medianRound([flat(30_000), empty, flat(20_000)]);
    expect(shown.status).toBe('failed');
  });

  test('the rounds not shown are kept whole, and a busy one is noted', () => {
    const busy: Outcome = { ...flat(10_000), cpu: { scenarioCores: 1, otherCores: 0.9 } };
    const shown = medianRound([flat(30_000), busy, flat(20_000)]);
    expect(shown.otherRounds?.map((o) => o.status === 'ok' && (o.result as SwarmResult).tasksPerSecond)).toEqual([30_000, 10_000]);
    expect(notes([shown]).join('\n')).toContain('other processes were using the CPUs during swarm-flat-100k (0.90 cores)');
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
      'swarm-flat-10k', 'swarm-flat-50k', 'swarm-flat-100k', 'swarm-chain-1k', 'remote-flat-10k',
      'bullmq-flat-100k', 'bullmq-flat-100k-aof', 'bullmq-chain-200',
    ]);
  });
});

describe('the notes on raw piscina', () => {
  test("the swarm's flat rows are also set against raw piscina at its defaults, from the sweep", () => {
    const raw: Outcome = {
      ...base,
      id: 'raw-calls',
      status: 'ok',
      result: {
        scenario: 'raw-calls',
        requestsPerSecond: 150_000,
        bestRequestsPerSecond: 160_000,
        repeatRequestsPerSecond: [150_000],
        piscinaOptions: { concurrentTasksPerWorker: 256, atomics: 'async' },
        sweep: [
          { concurrentTasksPerWorker: 256, atomics: 'async', requestsPerSecond: 150_000 },
          { concurrentTasksPerWorker: 1, atomics: 'sync', requestsPerSecond: 40_000 },
        ],
      } as never,
    };
    const text = notes([raw, flat(30_000)]).join('\n');
    expect(text).toContain('raw piscina at its defaults (concurrentTasksPerWorker 1, atomics sync) ran 40,000 requests/s in the sweep; against that: swarm-flat-100k 0.75×');
    // Without the defaults in the sweep (a fixed setting), no such line.
    const fixed = { ...raw, result: { ...(raw.result as object), sweep: [] } as never } as Outcome;
    expect(notes([fixed, flat(30_000)]).join('\n')).not.toContain('at its defaults');
  });
});
