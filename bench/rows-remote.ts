/**
 * The rows of the remote-worker scenarios (remote-flat, remote-heartbeats): throughput against
 * the target, then the journal rows, the CPU the dispatcher and the worker process spent, memory,
 * and for remote-heartbeats the run with the light clients against the runs without them and
 * the heartbeat handling cost.
 */
import { fmtInt } from './lib.ts';
import { cores, mb, pct, rate, ratio, type Row } from './render.ts';
import type { RawResult, RemoteResult, RemoteRunStats } from './results.ts';
import { TARGET } from './targets.ts';

/** The rows of a remote scenario: throughput, then what the dispatcher and worker spent. */
export function remoteRows(label: string, s: RemoteResult, raw: RawResult | null): Row[] {
  const runText = (x: RemoteRunStats) => `${rate(x.tasksPerSecond, 'tasks')} (${x.seconds.toFixed(2)} s)${x.status !== 'succeeded' ? ` — run ${x.status}, ${x.failedTasks} failed` : ''}`;
  const rows: Row[] = [];
  const ok = s.run.status === 'succeeded' && s.run.tasksPerSecond >= TARGET.remoteTasksPerSecond;
  const toRaw = raw ? ratio(s.run.tasksPerSecond / raw.requestsPerSecond) : 'n/a';
  const cpuRow = (x: RemoteRunStats, what: string): Row => ({
    scenario: `  CPU during the run${what}`,
    result: `dispatcher ${cores(x.cores.dispatcher)} cores (main thread ${cores(x.cores.dispatcherMainThread)}), worker process ${cores(x.cores.worker)}`,
    target: '—',
    ratio: '',
    met: '',
  });
  if (s.scenario === 'remote-flat') {
    rows.push({ scenario: label, result: runText(s.run), target: `≥ ${fmtInt(TARGET.remoteTasksPerSecond)}/s`, ratio: toRaw, met: ok ? '✓' : '✗' });
    rows.push({
      scenario: `  journal rows written (${fmtInt(s.tasks)} tasks)`,
      result: `${fmtInt(s.run.journalRows)} (${s.run.journalRowsPerTask.toFixed(2)} per task) in ${fmtInt(s.run.commits)} commits (${fmtInt(s.run.commitMs)} ms of the main thread's)`,
      target: '—',
      ratio: '',
      met: '',
    });
    rows.push(cpuRow(s.run, ''));
    rows.push({
      scenario: '  memory: dispatcher RSS before → peak; worker RSS',
      result: `${mb(s.run.rssBeforeMB)} → ${mb(s.run.rssPeakSampledMB)}; worker ${s.worker.rssMB === null ? 'n/a' : mb(s.worker.rssMB)}`,
      target: '—',
      ratio: '',
      met: '',
    });
    return rows;
  }
  const before = s.runWithoutClients;
  const after = s.runWithoutClientsAfter;
  const without = before && after ? (before.tasksPerSecond + after.tasksPerSecond) / 2 : (before ?? after)?.tasksPerSecond;
  rows.push({
    scenario: label,
    result:
      `${runText(s.run)}; without the clients ${before ? fmtInt(before.tasksPerSecond) : '?'} before, ${after ? fmtInt(after.tasksPerSecond) : '?'} after` +
      (without ? ` → ${pct(s.run.tasksPerSecond / without - 1)}` : ''),
    target: '(report)',
    ratio: toRaw,
    met: '',
  });
  const h = s.heartbeats;
  if (h) {
    const main = h.mainThreadUsPerHeartbeat === null ? '' : ` (main thread ${fmtInt(h.mainThreadUsPerHeartbeat)})`;
    rows.push({
      scenario: `  heartbeat handling, idle: ${h.clients} clients every ${h.intervalMs / 1000} s`,
      result:
        `${fmtInt(h.usPerHeartbeat)} µs CPU per heartbeat${main} = ${(h.extraCores * 100).toFixed(2)}% of a core ` +
        `at ${h.heartbeatsPerSecond.toFixed(1)} beats/s; +${h.extraCommitsPerSecond.toFixed(1)} store commits/s (${fmtInt(h.commitUsPerHeartbeat)} µs per beat)`,
      target: '(report)',
      ratio: '',
      met: '',
    });
  }
  rows.push(cpuRow(s.run, ' with the clients'));
  return rows;
}
