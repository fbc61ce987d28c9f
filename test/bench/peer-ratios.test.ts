import { describe, expect, test } from 'bun:test';
import { PEER_SKIP, plan } from '../../bench/plan.ts';
import type { PeerResult, ScenarioResult, SwarmResult } from '../../bench/results.ts';
import { buildRows } from '../../bench/rows.ts';
import { peerNotes, peerRatios } from '../../bench/rows-peer.ts';
import { skippedOutcome, type Outcome } from '../../bench/run-child.ts';

// Only the fields the ratios read; the rest of a result does not matter here.
const swarmFlat = (tasks: number, tasksPerSecond: number) => ({ scenario: 'swarm-flat', tasks, tasksPerSecond }) as SwarmResult;
const swarmChain = (tasks: number, usPerTask: number) => ({ scenario: 'swarm-chain', tasks, usPerTask }) as SwarmResult;
const bullFlat = (tasks: number, jobsPerSecond: number, persistence: PeerResult['persistence']) =>
  ({ scenario: 'bullmq-flat', tasks, jobsPerSecond, usPerJob: 1e6 / jobsPerSecond, persistence }) as PeerResult;
const bullChain = (tasks: number, usPerJob: number) =>
  ({ scenario: 'bullmq-chain', tasks, usPerJob, jobsPerSecond: 1e6 / usPerJob, persistence: 'aof-everysec' }) as PeerResult;

describe('peerRatios: the swarm against BullMQ, above 1 when the swarm is faster', () => {
  test('flat: swarm tasks/s ÷ BullMQ jobs/s, against the swarm run of the same size', () => {
    const results: ScenarioResult[] = [swarmFlat(1_000, 9_000), swarmFlat(10_000, 15_000), bullFlat(10_000, 10_000, 'none'), bullFlat(10_000, 7_500, 'aof-everysec')];
    const ratios = peerRatios(results);
    expect(ratios.map((r) => [r.comparison, r.persistence, r.swarmTasks, r.swarmAdvantage])).toEqual([
      ['flat', 'none', 10_000, 1.5],
      ['flat', 'aof-everysec', 10_000, 2],
    ]);
    expect(ratios[0]).toMatchObject({ unit: 'tasks/s', swarm: 15_000, peer: 10_000, peerTasks: 10_000 });
  });

  test('flat: without a swarm run of the same size, the biggest one', () => {
    const [r] = peerRatios([swarmFlat(1_000, 9_000), swarmFlat(5_000, 12_000), bullFlat(100_000, 6_000, 'none')]);
    expect(r).toMatchObject({ swarmTasks: 5_000, peerTasks: 100_000, swarmAdvantage: 2 });
  });

  test('chain: BullMQ µs/step ÷ swarm µs/step, so a slower peer gives a ratio above 1', () => {
    const [r] = peerRatios([swarmChain(1_000, 400), bullChain(200, 800)]);
    expect(r).toMatchObject({ comparison: 'chain', unit: 'µs/step', swarm: 400, peer: 800, swarmAdvantage: 2 });
    expect(peerRatios([swarmChain(1_000, 500), bullChain(200, 250)])[0].swarmAdvantage).toBe(0.5);
  });

  test('no ratio when either side did not run', () => {
    expect(peerRatios([bullFlat(10_000, 1, 'none'), bullChain(200, 1)])).toEqual([]);
    expect(peerRatios([swarmFlat(10_000, 1), swarmChain(1_000, 1)])).toEqual([]);
  });

  test('the notes say which way the ratio reads, and leave out outcomes that did not succeed', () => {
    const base = { label: '', args: [], elapsedMs: 0, cpu: { scenarioCores: null, otherCores: null } };
    const outcomes: Outcome[] = [
      { ...base, id: 'swarm-chain-1k', status: 'ok', result: swarmChain(1_000, 400) },
      { ...base, id: 'bullmq-chain-200', status: 'ok', result: bullChain(200, 600) },
      { ...base, id: 'swarm-flat-10k', status: 'failed', error: 'boom' },
      { ...base, id: 'bullmq-flat-10k', status: 'ok', result: bullFlat(10_000, 5_000, 'none') },
    ];
    const notes = peerNotes(outcomes);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('BullMQ 600 µs/step ÷ the swarm 400 µs/step = 1.50×');
    expect(notes[0]).toContain('above 1: the swarm is faster');
  });
});

describe('the peer not installed', () => {
  test('its rows are still planned, so --only takes their ids, and marked to be skipped', () => {
    const quick = plan(true, 2, 4, 'redis-server is not on the PATH').filter((p) => p.id.startsWith('bullmq-'));
    expect(quick.map((p) => p.id)).toEqual(['bullmq-flat-10k', 'bullmq-flat-10k-aof', 'bullmq-chain-200']);
    expect(quick.every((p) => p.skip?.startsWith(PEER_SKIP))).toBe(true);
    const full = plan(false, 2, 4, null).filter((p) => p.id.startsWith('bullmq-'));
    expect(full.map((p) => [p.id, p.skip])).toEqual([
      ['bullmq-flat-100k', undefined],
      ['bullmq-flat-100k-aof', undefined],
      ['bullmq-chain-200', undefined],
    ]);
    // As many jobs at once as the swarm has slots (threads × tasks per thread).
    expect(full[0].args).toEqual(['bullmq-flat', '--concurrency', '8', '--tasks', '100000']);
  });

  test('a skipped row reads "skipped: run scripts/peer-bench.sh"', () => {
    const [p] = plan(true, 2, 4, 'bullmq does not resolve').filter((q) => q.id === 'bullmq-chain-200');
    const [row] = buildRows([skippedOutcome({ ...p, skip: p.skip! })]);
    expect(row.result).toBe('skipped: run scripts/peer-bench.sh (bullmq does not resolve)');
    expect(row.met).toBe('');
  });
});
