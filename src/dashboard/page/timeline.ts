import { useEffect, useState } from 'preact/hooks';
import { getJson, runPath } from './api.ts';
import { html } from './html.ts';
import { stateClass } from './states.ts';
import type { Attempt } from './types.ts';

/**
 * The run over time: one row per task (or, by node, one lane per node), each attempt a bar —
 * a pale part while it waited for a node, a solid part while it ran, coloured by how it ended —
 * with the gaps between attempts the retry backoff, and rollbacks in their own colour. Follows
 * the time cursor; live, it is read again as rows arrive (`tick`).
 */

interface Timeline {
  now: number;
  tasks: { name: string; attempts: Attempt[] }[];
}

/** Rows drawn at most; the rest are counted (the journal and the task drawer have them all). */
const MAX_ROWS = 200;
const ROW = 18;
const LABEL = 170;
const WIDTH = 900;

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

export function TimelineView({ runId, at, tick }: { runId: string; at: number | null; tick: number }) {
  const [data, setData] = useState<Timeline | null>(null);
  const [byNode, setByNode] = useState(false);
  useEffect(() => {
    let current = true;
    getJson<Timeline>(`${runPath(runId)}/timeline`, { at }).then((t) => current && setData(t), () => {});
    return () => void (current = false);
  }, [runId, at, tick]);
  if (!data || data.tasks.length === 0) return null;

  const bars = data.tasks.flatMap((t) => t.attempts.map((a) => ({ task: t.name, ...a })));
  const starts = bars.map((b) => b.readyAt ?? b.assignedAt ?? b.startedAt ?? b.endedAt).filter((x): x is number => x !== null);
  const t0 = Math.min(...starts);
  const t1 = Math.max(data.now, ...bars.map((b) => b.endedAt ?? data.now));
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => LABEL + ((t - t0) / span) * (WIDTH - LABEL - 10);
  const rowsOf = byNode
    ? [...new Set(bars.map((b) => b.node ?? '(no node)'))].map((node) => ({ label: node, bars: bars.filter((b) => (b.node ?? '(no node)') === node) }))
    : data.tasks.map((t) => ({ label: t.name, bars: bars.filter((b) => b.task === t.name) }));
  const rows = rowsOf.slice(0, MAX_ROWS);
  const height = rows.length * ROW + 24;
  return html`<section class="timeline" data-testid="timeline">
    <h2>Timeline <small>${(span / 1000).toFixed(span < 10_000 ? 2 : 0)} s</small>
      <label><input type="checkbox" checked=${byNode} onChange=${() => setByNode(!byNode)} /> by node</label></h2>
    <svg viewBox=${`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label="attempts over time">
      ${rows.map(
        (row, i) => html`<g key=${row.label} transform=${`translate(0 ${i * ROW})`}>
          <text x="4" y="13" class="tl-label">${row.label.length > 26 ? row.label.slice(0, 25) + '…' : row.label}</text>
          ${row.bars.map((b, j) => {
            const ready = b.readyAt ?? b.assignedAt;
            const start = b.startedAt ?? b.assignedAt ?? b.endedAt ?? t1;
            const end = b.endedAt ?? data.now;
            const state = b.kind === 'rollback' ? (b.result === 'running' ? 'rolling_back' : RESULT_CLASS[b.result] ?? 'rolled_back') : RESULT_CLASS[b.result] ?? 'running';
            return html`<g key=${j}>
              ${ready !== null && ready < start && html`<rect class="tl-wait" x=${x(ready)} y="3" width=${Math.max(1, x(start) - x(ready))} height="11"><title>${b.task}: waited ${start - ready} ms</title></rect>`}
              <rect class=${`tl-run ${stateClass(state)}`} data-task=${b.task} data-kind=${b.kind} data-result=${b.result}
                x=${x(start)} y="3" width=${Math.max(2, x(end) - x(start))} height="11">
                <title>${`${b.task} ${b.kind}${b.attempt !== null ? ` ${b.attempt}` : ''} on ${b.node ?? '?'}: ${b.result}, ${end - start} ms`}</title></rect>
            </g>`;
          })}
        </g>`,
      )}
    </svg>
    ${rowsOf.length > MAX_ROWS && html`<p>${rowsOf.length - MAX_ROWS} more rows not drawn.</p>`}
  </section>`;
}
