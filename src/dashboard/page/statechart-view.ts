import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.ts';
import { GraphSvg } from './graph-svg.ts';
import { html } from './html.ts';
import type { Statechart } from './types.ts';

/**
 * The task machine's statechart (from `xstate/graph`, laid out by the server) with the task's
 * current state highlighted and the transitions it took drawn bold. Edges of the layout are
 * one per pair of states; the events are listed beside it.
 */

let chart: Promise<Statechart> | undefined;
const loadChart = () => (chart ??= getJson<Statechart>('/api/machines/task'));

export function StatechartView({ current, path }: { current: string; path: string[] }) {
  const [data, setData] = useState<Statechart | null>(null);
  useEffect(() => void loadChart().then(setData), []);
  if (!data) return html`<p>loading the statechart…</p>`;
  const taken = new Set<string>();
  for (let i = 1; i < path.length; i++) taken.add(`${path[i - 1]}→${path[i]}`);
  const visited = new Set(path);
  return html`<div class="statechart" data-testid="statechart" data-current=${current}>
    <${GraphSvg} layout=${data.layout} testId="statechart-svg" label="task statechart"
      stateOf=${(id: string) => (id === current ? id : null)} classOf=${(id: string) => (visited.has(id) && id !== current ? 'visited' : '')}
      selected=${current} highlight=${taken} />
    <p class="path">path: ${path.join(' → ') || '—'}</p>
  </div>`;
}
