import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.ts';
import { html } from './html.ts';
import { interruptionTitle } from './interruption.ts';
import { Link, runHref, StateBadge } from './link.ts';
import { liveSocket } from './live.ts';
import { setQuery, type Place } from './router.ts';
import { isFinishedRun } from '../../store/types.ts';
import { formatDuration, formatTime } from './states.ts';
import type { ListedRun } from './types.ts';

/** `/`: runs newest first, paged, filtered by status and workflow (in the URL); refreshed when the server says the list changed. */

const PAGE_SIZE = 25;
const STATUSES = ['', 'running', 'paused', 'succeeded', 'failed', 'cancelled', 'rolled_back', 'rollback_failed'];

export function RunsPage({ place }: { place: Place }) {
  const status = place.query.get('status') ?? '';
  const workflow = place.query.get('workflow') ?? '';
  const page = Number(place.query.get('page') ?? '0') || 0;
  const [data, setData] = useState<{ runs: ListedRun[]; hasMore: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => liveSocket().watchRuns(() => setVersion((v) => v + 1)), []);
  useEffect(() => {
    let current = true;
    getJson<{ runs: ListedRun[]; hasMore: boolean }>('/api/runs', { limit: PAGE_SIZE, offset: page * PAGE_SIZE, status, workflow })
      .then((d) => current && (setData(d), setError(null)))
      .catch((e: Error) => current && setError(e.message));
    return () => void (current = false);
  }, [status, workflow, page, version]);

  const onWorkflow = (e: Event) => {
    e.preventDefault();
    const value = ((e.target as HTMLFormElement).elements.namedItem('workflow') as HTMLInputElement).value.trim();
    setQuery({ workflow: value || null, page: null });
  };
  return html`<section class="runs">
    <h1>Runs</h1>
    <form class="filters" onSubmit=${onWorkflow}>
      <label>status <select name="status" value=${status} onChange=${(e: Event) => setQuery({ status: (e.target as HTMLSelectElement).value || null, page: null })}>
        ${STATUSES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}
      </select></label>
      <label>workflow <input name="workflow" value=${workflow} placeholder="name" /></label>
      <button type="submit">filter</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${data &&
    html`<table class="grid" data-testid="runs-table">
      <thead><tr><th>run</th><th>workflow</th><th>status</th><th>progress</th><th>created</th><th>duration</th><th>replay of</th></tr></thead>
      <tbody>
        ${data.runs.map((run) => {
          // Every task of a finished run is settled, skipped and cancelled ones too; the row
          // counts only those that ran (succeeded, failed), so a live run shows those.
          const settled = isFinishedRun(run.status) ? run.totalTasks : run.completedTasks + run.failedTasks;
          // An interrupted run has no process behind it: its time does not run on.
          const live = (run.status === 'running' || run.status === 'paused') && !run.interrupted;
          // endedAt: a run rolled back by hand later keeps its own duration, as `swarm runs` has it.
          const end = run.endedAt ?? (live ? Date.now() : null);
          return html`<tr key=${run.runId}>
            <td><${Link} href=${runHref(run.runId)}>${run.runId}<//></td>
            <td>${run.name}</td>
            <td><${StateBadge} state=${run.status} />${run.interrupted
              ? html` <span class="st-interrupted" data-testid="interrupted" title=${interruptionTitle(run.runId, run.interruption, run.resumeCommand)}>(interrupted)</span>`
              : ''}</td>
            <td><progress max=${Math.max(1, run.totalTasks)} value=${settled}></progress> ${settled}/${run.totalTasks}</td>
            <td>${formatTime(run.createdAt)}</td>
            <td>${formatDuration(end === null ? null : end - run.createdAt)}</td>
            <td>${run.replayOf ? html`<${Link} href=${runHref(run.replayOf)}>${run.replayOf}<//>` : '—'}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${data.runs.length === 0 && html`<p>No run matches.</p>`}
    <nav class="pager">
      <button disabled=${page === 0} onClick=${() => setQuery({ page: page - 1 || null })}>newer</button>
      <span>page ${page + 1}</span>
      <button disabled=${!data.hasMore} onClick=${() => setQuery({ page: page + 1 })}>older</button>
    </nav>`}
  </section>`;
}
