/**
 * The table's text: the Row shape (one line of the table), the number formatters the row
 * builders share, rendering the rows as a Markdown table, and the notes printed under it (what
 * the ratios are relative to, and scenarios other processes skewed).
 */
import { fmtInt } from './lib.ts';
import { peerNotes } from './rows-peer.ts';
import { BUSY_CORES, type Outcome } from './run-child.ts';

export interface Row {
  scenario: string;
  result: string;
  target: string;
  ratio: string;
  met: string;
}

export const rate = (n: number, what: string) => `${fmtInt(n)} ${what}/s`;
export const ratio = (x: number) => `${x.toFixed(2)}×`;
export const mb = (x: number) => `${Math.round(x)} MB`;
/** A change in MB with its sign: `+12 MB`, `−13 MB` (the heap can hold less half-way than before a run). */
export const signedMb = (x: number) => (Math.round(x) < 0 ? `−${mb(-x)}` : `+${mb(x)}`);
export const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
export const cores = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
export const ms = (x: number | null) => (x === null ? 'n/a' : `${fmtInt(x)} ms`);

export function renderTable(rows: Row[]): string {
  const header: Row = { scenario: 'scenario', result: 'result', target: 'target', ratio: 'ratio to raw piscina', met: 'met' };
  const cols = ['scenario', 'result', 'target', 'ratio', 'met'] as const;
  const all = [header, ...rows];
  const width = (c: (typeof cols)[number]) => Math.max(...all.map((r) => [...r[c]].length));
  const widths = cols.map(width);
  const line = (r: Row) => `| ${cols.map((c, i) => r[c] + ' '.repeat(widths[i] - [...r[c]].length)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Lines printed under the table: what the ratios are relative to, and anything that skews them. */
export function notes(outcomes: Outcome[]): string[] {
  const lines: string[] = [];
  // Any round counts, not only the one shown: the median of skewed rounds is skewed too.
  const busiest = (o: Outcome) => Math.max(...[o, ...(o.otherRounds ?? [])].map((r) => r.cpu.otherCores ?? 0));
  const busy = outcomes.filter((o) => busiest(o) > BUSY_CORES);
  if (busy.length > 0) {
    lines.push(
      `other processes were using the CPUs during ${busy.map((o) => `${o.id} (${busiest(o).toFixed(2)} cores)`).join(', ')}: ` +
        'those numbers are low; run again on a quiet machine',
    );
  }
  for (const o of outcomes) {
    if (o.failedRound !== undefined) lines.push(`${o.id}: round ${o.failedRound} ${o.status} (the rounds before it: ${(o.rounds ?? []).map((x) => fmtInt(x)).join(', ') || 'none'})`);
    if (o.status !== 'ok') continue;
    const r = o.result;
    if (o.id === 'raw-calls' && r.scenario === 'raw-calls') {
      const sweep = r.sweep ?? [];
      const span = sweep.length > 0 ? `; the ${sweep.length} settings swept ran ${fmtInt(Math.min(...sweep.map((x) => x.requestsPerSecond)))}–${fmtInt(Math.max(...sweep.map((x) => x.requestsPerSecond)))}/s` : '';
      lines.push(
        `ratios are to raw-calls (${fmtInt(r.requestsPerSecond)} requests/s: median of ${r.repeatRequestsPerSecond.length}, best ${fmtInt(r.bestRequestsPerSecond)}), ` +
          `piscina's fastest setting here: concurrentTasksPerWorker ${r.piscinaOptions.concurrentTasksPerWorker}, atomics ${r.piscinaOptions.atomics}${span}`,
      );
      const defaults = defaultsNote(sweep, outcomes);
      if (defaults !== null) lines.push(defaults);
    }
    if (o.rounds !== undefined) {
      // A chain's rounds read as its row does, in µs per step.
      const figures = r.scenario.endsWith('-chain')
        ? `${o.rounds.map((x) => fmtInt(1e6 / x)).join(', ')} µs/step`
        : `${o.rounds.map((x) => fmtInt(x)).join(', ')} ${r.scenario.startsWith('bullmq') ? 'jobs' : 'tasks'}/s`;
      lines.push(`${o.id} is the median of ${o.rounds.length} rounds: ${figures}`);
    }
    if (o.id === 'raw-round-trip') lines.push('the chain is compared with raw round trips (1 call in flight): one step cannot start before the previous one is back');
  }
  lines.push(...peerNotes(outcomes));
  return lines;
}

/** Piscina's own defaults: one call at a time per thread, atomics 'sync'. */
const PISCINA_DEFAULTS = { concurrentTasksPerWorker: 1, atomics: 'sync' } as const;

/**
 * The swarm's flat rows against raw piscina at its defaults (from the sweep), next to the
 * ratio the table gives against its fastest setting: the two yardsticks differ by 2–4× here,
 * and the target's 30% reads very differently against each.
 */
function defaultsNote(sweep: readonly { concurrentTasksPerWorker: number; atomics: string; requestsPerSecond: number }[], outcomes: Outcome[]): string | null {
  const atDefaults = sweep.find(
    (x) => x.concurrentTasksPerWorker === PISCINA_DEFAULTS.concurrentTasksPerWorker && x.atomics === PISCINA_DEFAULTS.atomics,
  );
  if (atDefaults === undefined) return null;
  const flats = outcomes.flatMap((o) =>
    o.status === 'ok' && o.result.scenario === 'swarm-flat' ? [`${o.id} ${ratio((o.result as { tasksPerSecond: number }).tasksPerSecond / atDefaults.requestsPerSecond)}`] : [],
  );
  return (
    `raw piscina at its defaults (concurrentTasksPerWorker 1, atomics sync) ran ${fmtInt(atDefaults.requestsPerSecond)} requests/s in the sweep` +
    (flats.length > 0 ? `; against that: ${flats.join(', ')}` : '')
  );
}
