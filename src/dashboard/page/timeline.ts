import { useEffect, useState } from 'preact/hooks';
import { getJson, runPath } from './api.ts';
import { useClock } from './clock.ts';
import { html } from './html.ts';
import { setQuery, type Place } from './router.ts';
import { stateClass } from './states.ts';
import { BIG_RUN_TASKS } from './run-live.ts';
import { useThrottled } from './throttle.ts';
import type { RunTimeline } from './types.ts';

/**
 * The run over time: one row per task (or, by node, one lane per node), each attempt a bar —
 * a pale part while it waited for a node, a solid part while it ran, coloured by how it ended —
 * with the gaps between attempts the retry backoff, and rollbacks in their own colour. Follows
 * the time cursor; live, it is read again as rows arrive (`tick`), at most every REFRESH_MS, and
 * between reads what is still going on grows with this page's clock (every CLOCK_MS).
 * The server sends one page of rows on the whole run's time axis; the URL keeps the view
 * (`tl=node`) and the page (`tloff`).
 */

/** Rows asked for at a time (the server pages them: a 100k-task run has 100k task rows). */
const PAGE_ROWS = 100;
const ROW = 18;
const LABEL = 170;
const WIDTH = 900;
/** Live, the timeline is read again at most this often while rows arrive (a big run: less often). */
const REFRESH_MS = 2000;
const BIG_RUN_REFRESH_MS = 5000;
/** Live, unfinished bars are drawn again this often, to the page's clock (no read of the server). */
const CLOCK_MS = 1000;

const RESULT_CLASS: Record<string, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'failed',
  not_started: 'failed',
  unservable: 'failed',
  cancelled: 'cancelled',
  interrupted: 'retrying',
  rolled_back: 'rolled_back',
  rollback_failed: 'rollback_failed',
  reused: 'succeeded',
  running: 'running',
};

export function TimelineView({ runId, place, at, tick }: { runId: string; place: Place; at: number | null; tick: number }) {
  const byNode = place.query.get('tl') === 'node';
  const offset = Number(place.query.get('tloff') ?? '0') || 0;
  const [data, setData] = useState<(RunTimeline & { receivedAt: number }) | null>(null);
  const refresh = useThrottled(at === null ? tick : 0, (data?.total ?? 0) > BIG_RUN_TASKS ? BIG_RUN_REFRESH_MS : REFRESH_MS);
  useEffect(() => {
    let current = true;
    getJson<RunTimeline>(`${runPath(runId)}/timeline`, { at, by: byNode ? 'node' : 'task', offset, limit: PAGE_ROWS }).then(
      (t) => current && setData({ ...t, receivedAt: Date.now() }),
      () => {},
    );
    return () => void (current = false);
  }, [runId, at, byNode, offset, refresh]);
  const growing = at === null && data !== null && data.live && data.rows.some((r) => r.bars.some((b) => b.endedAt === null));
  const clock = useClock(growing ? CLOCK_MS : null);
  if (!data || data.total === 0 || data.t0 === null) return null;

  // The server's now, moved on by the time since it answered (its clock and this one may differ).
  const now = growing ? data.now + Math.max(0, clock - data.receivedAt) : data.now;
  const t0 = data.t0;
  const t1 = Math.max(data.t1 ?? now, growing ? now : 0, t0 + 1);
  const span = t1 - t0;
  const x = (t: number) => LABEL + ((t - t0) / span) * (WIDTH - LABEL - 10);
  const height = data.rows.length * ROW + 24;
  return html`<section class="timeline" data-testid="timeline" data-growing=${growing ? 'yes' : 'no'}>
    <h2>Timeline <small>${(span / 1000).toFixed(span < 10_000 ? 2 : 0)} s</small>
      <label><input type="checkbox" checked=${byNode} onChange=${() => setQuery({ tl: byNode ? null : 'node', tloff: null }, true)} /> by node</label></h2>
    <svg viewBox=${`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label="attempts over time">
      ${data.rows.map(
        (row, i) => html`<g key=${row.label} transform=${`translate(0 ${i * ROW})`}>
          <text x="4" y="13" class="tl-label">${row.label.length > 26 ? row.label.slice(0, 25) + '…' : row.label}</text>
          ${row.bars.map((b, j) => {
            const ready = b.readyAt ?? b.assignedAt;
            const start = b.startedAt ?? b.assignedAt ?? b.endedAt ?? t1;
            const end = b.endedAt ?? now;
            const state = b.kind === 'rollback' ? (b.result === 'running' ? 'rolling_back' : RESULT_CLASS[b.result] ?? 'rolled_back') : RESULT_CLASS[b.result] ?? 'running';
            return html`<g key=${j}>
              ${ready !== null && ready < start && html`<rect class="tl-wait" x=${x(ready)} y="3" width=${Math.max(1, x(start) - x(ready))} height="11"><title>${b.task}: waited ${start - ready} ms</title></rect>`}
              <rect class=${`tl-run ${stateClass(state)}`} data-task=${b.task} data-kind=${b.kind} data-result=${b.result}
                x=${x(start)} y="3" width=${Math.max(2, x(end) - x(start))} height="11">
                <title>${`${b.task} ${b.kind}${b.attempt !== null ? ` ${b.attempt}` : ''} on ${b.node ?? '?'}: ${b.result}, ${end - start} ms`}</title></rect>
            </g>`;
          })}
          ${row.more > 0 && html`<text x=${WIDTH - 4} y="13" text-anchor="end" class="tl-label">+${row.more} earlier</text>`}
        </g>`,
      )}
    </svg>
    ${data.total > data.rows.length &&
    html`<nav class="pager">
      <span>${byNode ? 'nodes' : 'tasks'} ${offset + 1}–${offset + data.rows.length} of ${data.total}</span>
      <button type="button" disabled=${offset === 0} onClick=${() => setQuery({ tloff: Math.max(0, offset - PAGE_ROWS) || null }, true)}>previous</button>
      <button type="button" disabled=${offset + data.rows.length >= data.total} onClick=${() => setQuery({ tloff: offset + PAGE_ROWS }, true)}>next</button>
    </nav>`}
  </section>`;
}
