/**
 * Rounds: the scenarios whose figure swings most from one run to the next on a shared machine
 * (the swarm's flat, chain and remote runs, and the peer's) run several times, each in a fresh
 * child process, and the table shows the median round. The targets are stated as a
 * median of 3; a single run moves ±10–25% here with whatever else the machine does.
 */
import type { Outcome } from './run-child.ts';

/** Tasks (or jobs) per second of a round: the figure rounds are ordered by; null if it has none. */
export function throughputOf(o: Outcome): number | null {
  if (o.status !== 'ok') return null;
  const r = o.result as { tasksPerSecond?: unknown; jobsPerSecond?: unknown };
  const value = typeof r.tasksPerSecond === 'number' ? r.tasksPerSecond : r.jobsPerSecond;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The outcome that stands for all the rounds: the first one that failed or timed out (a failure
 * is never hidden by a better round), else the median by throughput (the lower of the middle
 * two of an even count: the table shows a round that ran, not an average). A round that ended
 * well without a throughput is a failed round. The outcome carries every round's throughput, in
 * the order they ran, and the rounds not shown whole (their CPU, memory, journal rows).
 */
export function medianRound(rounds: Outcome[]): Outcome {
  if (rounds.length === 0) throw new Error('medianRound: no rounds');
  // A scenario run once is shown as it is, whatever its figures are (raw piscina, re-simulation).
  if (rounds.length === 1) return rounds[0];
  const checked = rounds.map((o): Outcome =>
    o.status === 'ok' && throughputOf(o) === null
      ? { ...o, status: 'failed', error: 'the scenario reported no tasks or jobs per second' }
      : o,
  );
  const failed = checked.findIndex((o) => o.status !== 'ok');
  if (failed >= 0) return { ...checked[failed], failedRound: failed + 1, rounds: checked.slice(0, failed).map((o) => throughputOf(o)!) };
  const order = checked.map((_, i) => i).sort((a, b) => throughputOf(checked[a])! - throughputOf(checked[b])!);
  const chosen = order[Math.floor((checked.length - 1) / 2)];
  return {
    ...checked[chosen],
    rounds: checked.map((o) => throughputOf(o)!),
    otherRounds: checked.filter((_, i) => i !== chosen),
  };
}
