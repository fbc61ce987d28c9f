import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { waitedMs } from '../../attempt-history.ts';
import { getJson, runPath } from './api.ts';
import { html } from './html.ts';
import { Link, runHref, StateBadge } from './link.ts';
import { setQuery } from './router.ts';
import { asText, formatDuration, formatTime } from './states.ts';
import { StatechartView } from './statechart-view.ts';
import type { Attempt, TaskDetail } from './types.ts';

/**
 * One task, as of the cursor: its state, the symbol as declared, every attempt (read from the
 * journal), its rollback, where a replay took its result from, its statechart and its own
 * journal rows. Outputs and errors are shown as text in <pre>, whatever they hold. Escape
 * closes it.
 */

export function TaskDrawer({ runId, name, at, tick }: { runId: string; name: string; at: number | null; tick: number }) {
  const [detail, setDetail] = useState<TaskDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    getJson<TaskDetail>(`${runPath(runId)}/tasks/${encodeURIComponent(name)}`, { at })
      .then((d) => current && (setDetail(d), setError(null)))
      .catch((e: Error) => current && setError(e.message));
    return () => void (current = false);
  }, [runId, name, at, at === null ? tick : 0]);
  // A layout effect: listening from the moment the drawer is in the page, not a frame later, so
  // an Escape pressed as soon as it shows is not lost.
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setQuery({ task: null });
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  return html`<aside class="drawer" data-testid="task-drawer" aria-label=${`task ${name}`}>
    <header>
      <h2>${name}</h2>
      <button type="button" class="close" onClick=${() => setQuery({ task: null })} aria-label="close">×</button>
    </header>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${detail && html`<${TaskBody} detail=${detail} />`}
  </aside>`;
}

function TaskBody({ detail }: { detail: TaskDetail }) {
  const result = detail.result;
  const runs = detail.attempts.filter((a) => a.kind !== 'rollback');
  const rollbacks = detail.attempts.filter((a) => a.kind === 'rollback');
  return html`<div>
    <p>state <span data-testid="task-state"><${StateBadge} state=${detail.state} /></span>
      ${detail.at !== null ? html` <small>at seq ${detail.at}</small>` : ''}</p>
    <dl class="facts">
      <dt>type</dt><dd>${detail.symbol.type}</dd>
      <dt>dispatch</dt><dd>${detail.symbol.dispatch}</dd>
      <dt>depends on</dt><dd>${detail.symbol.dependencies.join(', ') || '—'}</dd>
      <dt>rollback</dt><dd>${detail.symbol.rollback?.name ?? '—'}</dd>
      ${detail.reusedFrom && html`<dt>reused from</dt><dd><${Link} href=${runHref(detail.reusedFrom, { task: detail.name })}>${detail.reusedFrom}<//></dd>`}
    </dl>
    <h3>Parameters</h3>
    <pre class="value">${asText(detail.symbol.parameters)}</pre>
    ${result && detail.at === null && html`
      ${result.output !== null && result.output !== undefined && html`<h3>Output</h3><pre class="value" data-testid="task-output">${asText(result.output)}</pre>`}
      ${result.error && html`<h3>Error</h3><pre class="value error" data-testid="task-error">${result.error.code ?? result.error.name}: ${result.error.message}</pre>`}
      ${(result.rollbackOutput !== null || result.rollbackError) && html`<h3>Rollback result</h3>
        <pre class="value">${result.rollbackError ? `${result.rollbackError.code ?? result.rollbackError.name}: ${result.rollbackError.message}` : asText(result.rollbackOutput)}</pre>`}`}
    <h3>Attempts</h3>
    <${AttemptTable} attempts=${runs} />
    ${rollbacks.length > 0 && html`<h3>Rollback</h3><${AttemptTable} attempts=${rollbacks} />`}
    <h3>Statechart</h3>
    <${StatechartView} current=${detail.state} path=${detail.path} />
    <h3>Journal rows</h3>
    <table class="grid rows"><thead><tr><th>seq</th><th>time</th><th>from → to</th><th>event</th></tr></thead>
      <tbody>${detail.rows.map((r) => html`<tr key=${r.seq}><td>${r.seq}</td><td>${formatTime(r.at)}</td><td>${r.from ?? '∅'} → ${r.to}</td><td>${r.event}</td></tr>`)}</tbody>
    </table>
  </div>`;
}

function AttemptTable({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return html`<p>none yet</p>`;
  return html`<table class="grid" data-testid="attempts">
    <thead><tr><th>#</th><th>node</th><th>waited</th><th>ran</th><th>result</th><th>error</th></tr></thead>
    <tbody>${attempts.map(
      (a, i) => html`<tr key=${i}>
        <td>${a.attempt ?? '—'}</td><td>${a.node ?? '—'}</td>
        <td>${formatDuration(waitedMs(a))}</td>
        <td>${formatDuration(a.startedAt !== null && a.endedAt !== null ? a.endedAt - a.startedAt : null)}</td>
        <td><${StateBadge} state=${a.result} /></td>
        <td>${a.error ? `${a.error.code ?? a.error.name}: ${a.error.message}` : a.fromRun ? `from run ${a.fromRun}` : ''}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
