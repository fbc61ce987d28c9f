/**
 * The benchmark's targets, from the issue: what each row of the table is measured against
 * (rows*.ts) and what the results file records under `targets`.
 */

/**
 * Targets from the per-task cost issue: 50k independent no-ops at ≥ 25k tasks/s and ≥ 30% of
 * raw piscina measured in the same run; a chain step ≤ 150 µs with its terminal row durable
 * before the dependent starts.
 */
export const TARGET = {
  tasksPerSecond: 25_000,
  fractionOfRaw: 0.3,
  usPerChainStep: 150,
  /** Peak live task actors may not exceed this fraction of the run's tasks ("follows the frontier"). */
  liveFraction: 0.01,
  /** One remote worker process (2 threads) over loopback. */
  remoteTasksPerSecond: 15_000,
  /** Re-simulating a 100k-task journal (read, replay, compare). */
  resimulateSeconds: 1,
  /** The peak RSS (the kernel's high-water mark) of the process running a 1,000,000-symbol fan-out. */
  fanOutPeakMB: 1_000,
};
