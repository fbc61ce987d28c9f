import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.ts';
import { GraphSvg } from './graph-svg.ts';
import { html } from './html.ts';
import type { Statechart } from './types.ts';

/**
 * `/machines`: the four statecharts (task, coordinator, node, dispatcher) as the server reads
 * them from the XState definitions, each with its transitions listed by event, so every
 * lifecycle the journal records can be looked up without reading code.
 */
export function MachinesPage() {
  const [charts, setCharts] = useState<Statechart[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<{ machines: string[] }>('/api/machines')
      .then(({ machines }) => Promise.all(machines.map((m) => getJson<Statechart>(`/api/machines/${encodeURIComponent(m)}`))))
      .then(setCharts, (e: Error) => setError(e.message));
  }, []);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!charts) return html`<p>loading the machines…</p>`;
  return html`<section class="machines">
    ${charts.map(
      (chart) => html`<article key=${chart.machine} data-testid=${`machine-${chart.machine}`} data-states=${chart.states.length}>
        <h2>${chart.machine} machine</h2>
        <p>initial: ${chart.initial}${chart.final.length ? html` · final: ${chart.final.join(', ')}` : ''}</p>
        <div class="statechart"><${GraphSvg} layout=${chart.layout} testId=${`chart-${chart.machine}`} label=${`${chart.machine} statechart`}
          stateOf=${() => null} selected=${null} /></div>
        <table class="transitions"><thead><tr><th>from</th><th>to</th><th>event</th></tr></thead>
          <tbody>${chart.edges.map((e) => html`<tr key=${`${e.from}>${e.to}>${e.event}`}><td>${e.from}</td><td>${e.to}</td><td class="mono">${e.event}</td></tr>`)}</tbody>
        </table>
      </article>`,
    )}
  </section>`;
}
