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
 * is never hidden by a better round), else the median by throughput (the lower middle of an
 * even count). It carries every round's throughput, in the order they ran.
 */
export function medianRound(rounds: Outcome[]): Outcome {
  if (rounds.length === 0) throw new Error('medianRound: no rounds');
  const figures = rounds.map(throughputOf);
  const failed = rounds.find((o, i) => figures[i] === null);
  const chosen = failed ?? [...rounds].sort((a, b) => throughputOf(a)! - throughputOf(b)!)[Math.floor((rounds.length - 1) / 2)];
  if (rounds.length === 1) return chosen;
  return { ...chosen, rounds: figures.filter((f): f is number => f !== null) };
}
