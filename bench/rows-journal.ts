/**
 * The rows of the two journal scenarios: resume after SIGKILL (time to the first dispatched task,
 * where it goes, what the kill left, the rest of the run) and re-simulation (the median pass
 * against the target, then the read / re-simulate split, the cold pass and --exact).
 */
import { fmtInt } from './lib.ts';
import { ms, type Row } from './render.ts';
import type { ResimulateResult, ResumeResult } from './results.ts';
import { TARGET } from './targets.ts';

/** The rows of the resume scenario: time to the first dispatched task, where it goes, the rest. */
export function resumeRows(label: string, s: ResumeResult): Row[] {
  const here = s.inProcess;
  const k = s.killedAt;
  const report = (scenario: string, result: string): Row => ({ scenario, result, target: '—', ratio: '', met: '' });
  const ended = (status: string | null, code?: number | null) =>
    status === 'succeeded' && (code === undefined || code === 0) ? '' : ` — run ${status ?? '?'}${code ? `, exit ${code}` : ''}`;
  return [
    {
      scenario: label,
      result:
        `first task dispatched ${ms(here.firstAssignedMs)} after new Dispatcher (running on a thread ${ms(here.firstRunningMs)}); ` +
        `swarm run --resume: ${ms(s.cli.firstAssignedMs)} after its spawn`,
      target: '(report)',
      ratio: '',
      met: '',
    },
    report(
      `  at the kill (${fmtInt(s.tasks)} tasks, delay ${s.delayMs} ms each)`,
      `${fmtInt(k.byStatus.succeeded ?? 0)} succeeded, ${fmtInt(k.inFlight)} in flight (run again), ${fmtInt(k.byStatus.pending ?? 0)} pending`,
    ),
    report(
      '  where the time goes (in-process)',
      `imports ${ms(here.importMs)} (before the clock), open store ${ms(here.openStoreMs)}, start() ${ms(here.startMs)}, ` +
        `${here.via} ${ms(here.resumeCallMs)}${here.via === 'resumeOrphanedRuns' ? '' : ` (resumeOrphanedRuns found ${here.orphansFound})`}`,
    ),
    report(
      '  the rest of the run',
      `${fmtInt(s.tasks - k.settled)} tasks in ${(here.finishMs / 1000).toFixed(2)} s after new Dispatcher${ended(here.status)}; ` +
        `swarm run --resume exited after ${(s.cli.exitMs / 1000).toFixed(2)} s${ended(s.cli.status, s.cli.code)}`,
    ),
  ];
}

/** The rows of the re-simulation scenario: the median pass against the target, then its parts. */
export function resimulateRows(label: string, s: ResimulateResult): Row[] {
  const m = s.median;
  const perRow = (p: { seconds: number }) => `${((p.seconds * 1e6) / s.journalRows).toFixed(2)} µs/row`;
  const scaled = s.tasks === 100_000;
  const report = (scenario: string, result: string): Row => ({ scenario, result, target: '—', ratio: '', met: '' });
  const rows: Row[] = [
    {
      scenario: label,
      result: `${m.seconds.toFixed(2)} s (median of ${s.passes.length}; ${perRow(m)}; CPU ${(m.cpuMs / 1000).toFixed(2)} s)`,
      target: scaled ? `≤ ${TARGET.resimulateSeconds} s` : '(report; the target is for 100k)',
      ratio: '',
      met: scaled ? (m.seconds <= TARGET.resimulateSeconds ? '✓' : '✗') : '',
    },
    report(
      `  read ${fmtInt(s.journalRows)} rows + ${fmtInt(s.tasks)} task rows / re-simulate and compare`,
      `${fmtInt(m.readMs)} ms / ${fmtInt(m.simulateMs)} ms; in a fresh process ${s.cold.seconds.toFixed(2)} s; ` +
        `${fmtInt(m.sharing.simulated)} task actors re-simulated, ${fmtInt(m.sharing.shared)} shared a result (${m.sharing.classes} classes)`,
    ),
  ];
  if (s.exact) {
    rows.push(report('  without trajectory sharing (--exact)', `${s.exact.seconds.toFixed(2)} s (read ${fmtInt(s.exact.readMs)} ms, re-simulate ${fmtInt(s.exact.simulateMs)} ms)`));
  }
  return rows;
}
