import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.ts';
import { GraphSvg } from './graph-svg.ts';
import { html } from './html.ts';
import type { Statechart } from './types.ts';

/**
 * The task machine's statechart (from `xstate/graph`, laid out by the server) with the task's
 * current state highlighted and the transitions it took drawn bold; ⟲ in the path: the actor
 * started again (resumed, or to compensate), which is not a transition. Edges of the layout are
 * one per pair of states; the events are listed beside it.
 */

let chart: Promise<Statechart> | undefined;
const loadChart = () => (chart ??= getJson<Statechart>('/api/machines/task'));

export function StatechartView({ current, path }: { current: string; path: string[][] }) {
  const [data, setData] = useState<Statechart | null>(null);
  useEffect(() => void loadChart().then(setData), []);
  if (!data) return html`<p>loading the statechart…</p>`;
  const taken = new Set<string>();
  for (const life of path) for (let i = 1; i < life.length; i++) taken.add(`${life[i - 1]}→${life[i]}`);
  const visited = new Set(path.flat());
  return html`<div class="statechart" data-testid="statechart" data-current=${current}>
    <${GraphSvg} layout=${data.layout} testId="statechart-svg" label="task statechart"
      stateOf=${(id: string) => (id === current ? id : null)} classOf=${(id: string) => (visited.has(id) && id !== current ? 'visited' : '')}
      selected=${current} highlight=${taken} />
    <p class="path">path: ${path.map((life) => life.join(' → ')).join(' ⟲ ') || '—'}</p>
  </div>`;
}
