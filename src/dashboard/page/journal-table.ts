import { useEffect, useState } from 'preact/hooks';
import { getJson, runPath } from './api.ts';
import { html } from './html.ts';
import { setQuery, type Place } from './router.ts';
import { useThrottled } from './throttle.ts';
import { asText, formatTime } from './states.ts';
import type { Row } from './types.ts';

/**
 * The run's journal, a page at a time, filtered as `swarm history` filters (symbol, actor kind,
 * event; kept in the URL as jsymbol, jkind, jevent), cut at the time cursor. `tick` changes when
 * new rows were pushed: the table reads again only if it shows the end, at most every
 * REFRESH_MS.
 */

const PAGE = 100;
const REFRESH_MS = 1000;

export function JournalTable({ runId, place, at, tick }: { runId: string; place: Place; at: number | null; tick: number }) {
  const symbol = place.query.get('jsymbol') ?? '';
  const kind = place.query.get('jkind') ?? '';
  const event = place.query.get('jevent') ?? '';
  const after = Number(place.query.get('jafter') ?? '0') || 0;
  const [page, setPage] = useState<{ rows: Row[]; nextAfterSeq: number | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const atEnd = page === null || page.nextAfterSeq === null;
  const refresh = useThrottled(at === null && atEnd ? tick : 0, REFRESH_MS);
  useEffect(() => {
    let current = true;
    getJson<{ rows: Row[]; nextAfterSeq: number | null }>(`${runPath(runId)}/journal`, { afterSeq: after, limit: PAGE, symbol, kind, event, until: at })
      .then((p) => current && (setPage(p), setError(null)))
      .catch((e: Error) => current && setError(e.message));
    return () => void (current = false);
  }, [runId, symbol, kind, event, after, at, refresh]);

  const filter = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim() || null;
    setQuery({ jsymbol: value('jsymbol'), jkind: value('jkind'), jevent: value('jevent'), jafter: null }, true);
  };
  return html`<section class="journal">
    <h2>Journal</h2>
    <form class="filters" onSubmit=${filter}>
      <label>symbol <input name="jsymbol" value=${symbol} /></label>
      <label>kind <select name="jkind" value=${kind}>${['', 'task', 'coordinator', 'node', 'dispatcher'].map((k) => html`<option value=${k}>${k || 'any'}</option>`)}</select></label>
      <label>event <input name="jevent" value=${event} placeholder="task.*" /></label>
      <button type="submit">filter</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${page &&
    html`<table class="grid rows" data-testid="journal-table">
        <thead><tr><th>seq</th><th>time</th><th>actor</th><th>from → to</th><th>event</th><th>payload</th></tr></thead>
        <tbody>
          ${page.rows.map(
            (r) => html`<tr key=${r.seq} class=${at === r.seq ? 'cursor' : ''}>
              <td><button type="button" class="linkish" title="time-travel to this row" onClick=${() => setQuery({ at: r.seq })}>${r.seq}</button></td>
              <td>${formatTime(r.at)}</td><td>${r.actorId}</td><td>${r.from ?? '∅'} → ${r.to}</td><td>${r.event}</td>
              <td><code class="payload">${r.payload === null || r.payload === undefined ? '' : asText(r.payload).slice(0, 300)}</code></td>
            </tr>`,
          )}
        </tbody>
      </table>
      <nav class="pager">
        <button type="button" disabled=${after === 0} onClick=${() => setQuery({ jafter: null }, true)}>first page</button>
        <button type="button" disabled=${page.nextAfterSeq === null} onClick=${() => setQuery({ jafter: page.nextAfterSeq }, true)}>next page</button>
      </nav>`}
  </section>`;
}
