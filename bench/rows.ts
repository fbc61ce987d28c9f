/**
 * The table's rows from the scenarios' outcomes: a failed or timed-out row for each scenario that
 * did not finish, the raw piscina and swarm rows (with their ratios to raw piscina), the memory
 * rows of the biggest flat run against the smaller one, and — through rows-remote.ts and
 * rows-journal.ts — the remote, resume and re-simulation rows.
 */
import { fmtInt } from './lib.ts';
import { mb, rate, ratio, signedMb, type Row } from './render.ts';
import type { CliRunResult, PeerResult, RawResult, RemoteResult, ResimulateResult, ResumeResult, ScenarioResult, SwarmResult } from './results.ts';
import { peerRow } from './rows-peer.ts';
import { remoteRows } from './rows-remote.ts';
import { resimulateRows, resumeRows } from './rows-journal.ts';
import type { Outcome } from './run-child.ts';
import { FAN_OUT_ID } from './plan.ts';
import { TARGET } from './targets.ts';

/** Bytes per task that may be negative (the heap held less half-way than before the run). */
const signedInt = (n: number) => (Math.round(n) < 0 ? `−${fmtInt(-n)}` : fmtInt(n));

export function buildRows(outcomes: Outcome[]): Row[] {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const ok = <T extends ScenarioResult>(id: string) => {
    const o = byId.get(id);
    return o?.status === 'ok' ? (o.result as T) : null;
  };
  const raw = ok<RawResult>('raw-calls');
  const roundTrip = ok<RawResult>('raw-round-trip');
  const rows: Row[] = [];

  for (const o of outcomes) {
    if (o.status === 'skipped') {
      rows.push({ scenario: o.label, result: `skipped: ${o.reason}`, target: '', ratio: '', met: '' });
      continue;
    }
    if (o.status !== 'ok') {
      rows.push({ scenario: o.label, result: o.status === 'timed out' ? `TIMED OUT (${o.error})` : 'FAILED (see below)', target: '', ratio: '', met: '✗' });
      continue;
    }
    const r = o.result;
    if (r.scenario === 'resume-after-kill') {
      rows.push(...resumeRows(o.label, r as ResumeResult));
      continue;
    }
    if (r.scenario === 'bullmq-flat' || r.scenario === 'bullmq-chain') {
      rows.push(peerRow(o.label, r as PeerResult));
      continue;
    }
    if (r.scenario === 'cli-run') {
      rows.push(cliFanOutRow(o.label, r as CliRunResult));
      continue;
    }
    if (r.scenario === 'resimulate-journal') {
      rows.push(...resimulateRows(o.label, r as ResimulateResult));
      continue;
    }
    if (r.scenario === 'remote-flat' || r.scenario === 'remote-heartbeats') {
      rows.push(...remoteRows(o.label, r as RemoteResult, raw));
      continue;
    }
    if (r.scenario === 'raw-calls' || r.scenario === 'raw-batched') {
      const result =
        r.usPerRoundTrip !== null
          ? `${r.usPerRoundTrip.toFixed(1)} µs/round trip (${rate(r.requestsPerSecond, 'calls')})`
          : rate(r.requestsPerSecond, 'requests');
      const isRef = o.id === 'raw-calls';
      rows.push({
        scenario: o.label,
        result,
        target: isRef ? 'the ceiling' : '—',
        ratio: isRef ? '1.00× (reference)' : raw ? ratio(r.requestsPerSecond / raw.requestsPerSecond) : 'n/a',
        met: '',
      });
      continue;
    }
    const s = r as SwarmResult;
    if (o.id === FAN_OUT_ID) {
      rows.push(fanOutRow(o.label, s));
      continue;
    }
    const failedRun = s.status !== 'succeeded' ? ` — run ${s.status}, ${s.failedTasks} failed` : '';
    if (s.scenario === 'swarm-flat') {
      const frac = raw ? s.tasksPerSecond / raw.requestsPerSecond : null;
      const met = s.status === 'succeeded' && s.tasksPerSecond >= TARGET.tasksPerSecond && frac !== null && frac >= TARGET.fractionOfRaw;
      rows.push({
        scenario: o.label,
        result: `${rate(s.tasksPerSecond, 'tasks')} (${s.seconds.toFixed(2)} s)${failedRun}`,
        target: `≥ ${fmtInt(TARGET.tasksPerSecond)}/s and ≥ ${TARGET.fractionOfRaw * 100}% of raw`,
        ratio: frac === null ? 'n/a' : ratio(frac),
        met: met ? '✓' : '✗',
      });
      rows.push({
        scenario: `  journal rows written (${fmtInt(s.tasks)} tasks)`,
        result: `${fmtInt(s.journalRows)} (${s.journalRowsPerTask.toFixed(2)} per task${s.tableRowsPerTask == null ? '' : `, in ${s.tableRowsPerTask.toFixed(2)} table rows`})`,
        target: '—',
        ratio: '',
        met: '',
      });
    } else {
      const stepRate = 1e6 / s.usPerTask;
      rows.push({
        scenario: o.label,
        result: `${s.usPerTask >= 100 ? fmtInt(s.usPerTask) : s.usPerTask.toFixed(1)} µs/step (${rate(s.tasksPerSecond, 'steps')})${failedRun}`,
        target: `≤ ${TARGET.usPerChainStep} µs/step`,
        ratio: roundTrip ? `${ratio(stepRate / roundTrip.requestsPerSecond)} of raw round trips` : 'n/a',
        met: s.status === 'succeeded' && s.usPerTask <= TARGET.usPerChainStep ? '✓' : '✗',
      });
    }
  }

  // Memory: the biggest flat run, against the smaller one (same frontier, a tenth of the tasks).
  const flats = outcomes
    .flatMap((o) => (o.status === 'ok' && o.result.scenario === 'swarm-flat' && o.id !== FAN_OUT_ID ? [o.result as SwarmResult] : []))
    .sort((a, b) => a.tasks - b.tasks);
  const big = flats.at(-1);
  const small = flats.length > 1 ? flats[0] : undefined;
  if (big) {
    const growth = (s: SwarmResult) => Math.max(0, s.memory.rssPeakSampledMB - s.memory.rssBeforeMB);
    const scale = small ? growth(big) / Math.max(1, growth(small)) : null;
    const k = (s: SwarmResult) => `${fmtInt(s.tasks / 1000)}k`;
    rows.push({
      scenario: `memory, ${k(big)} run: RSS before → peak`,
      result:
        `${mb(big.memory.rssBeforeMB)} → ${big.memory.midRun ? `${mb(big.memory.midRun.rssMB)} half-way → ` : ''}${mb(big.memory.rssPeakSampledMB)} peak (+${mb(growth(big))})` +
        (small ? `; ${k(small)} run: +${mb(growth(small))} → ${scale!.toFixed(1)}× for ${fmtInt(big.tasks / small.tasks)}× the tasks` : ''),
      // Reported, not judged: the big run alone fills SQLite's page cache (64 MB) and lets the
      // heap's capacity double between full collections. What the swarm holds per task is the
      // heap retained after a full collection and the live actors, the two rows below.
      target: '(report)',
      ratio: '',
      met: '',
    });
    const retained = (s: SwarmResult) => (s.memory.midRun ? s.memory.midRun.heapAfterGcMB - s.memory.heapBeforeMB : null);
    const r = retained(big);
    if (r !== null) {
      const rs = small ? retained(small) : null;
      rows.push({
        scenario: `  heap retained half-way (after full GC), ${k(big)} run`,
        result:
          `${signedMb(r)} (${signedInt((r * 1024 * 1024) / big.memory.midRun!.settled)} B per settled task)` +
          (small && rs !== null ? `; ${k(small)} run: ${signedMb(rs)}` : ''),
        target: '—',
        ratio: '',
        met: '',
      });
    }
    const states = Object.entries(big.peakLiveByState).map(([s, n]) => `${n} ${s}`).join(', ');
    rows.push({
      scenario: `  peak live task actors, ${k(big)} run`,
      result: `${fmtInt(big.peakLiveActors)} of ${fmtInt(big.tasks)}${states ? ` (${states})` : ''}${small ? `; ${k(small)} run: ${fmtInt(small.peakLiveActors)}` : ''}`,
      target: `≤ ${TARGET.liveFraction * 100}% of the tasks`,
      ratio: '',
      met: big.peakLiveActors <= big.tasks * TARGET.liveFraction ? '✓' : '✗',
    });
  }
  return rows;
}

/** The 1M fan-out: its process's RSS high-water mark (setup, manifest and run), against the target. */
function fanOutRow(label: string, s: SwarmResult): Row {
  return peakRow(label, s, s.memory.vmHwmMB);
}

/** The 1M fan-out from the command line: the CLI process's peak RSS, against the same target. */
function cliFanOutRow(label: string, s: CliRunResult): Row {
  return peakRow(label, s, s.memory.maxRssMB);
}

function peakRow(label: string, s: SwarmResult | CliRunResult, peak: number | null): Row {
  const failedRun = s.status !== 'succeeded' ? ` — run ${s.status}, ${s.failedTasks} failed` : '';
  return {
    scenario: label,
    result: `${peak === null ? 'no peak RSS (not Linux)' : `${mb(peak)} peak`}, ${rate(s.tasksPerSecond, 'tasks')} (${s.seconds.toFixed(1)} s)${failedRun}`,
    target: `< ${fmtInt(TARGET.fanOutPeakMB)} MB`,
    ratio: '',
    met: peak === null ? '?' : s.status === 'succeeded' && peak < TARGET.fanOutPeakMB ? '✓' : '✗',
  };
}
