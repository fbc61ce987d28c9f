import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.ts';
import { html } from './html.ts';
import { liveSocket } from './live.ts';
import { StateBadge } from './link.ts';
import { formatTime } from './states.ts';
import type { ListedNode } from './types.ts';

/** `/nodes`: the nodes table (as the store keeps it), read again when the runs list changes. */
export function NodesPage() {
  const [nodes, setNodes] = useState<ListedNode[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => liveSocket().watchRuns(() => setVersion((v) => v + 1)), []);
  useEffect(() => {
    getJson<{ nodes: ListedNode[] }>('/api/nodes')
      .then((d) => (setNodes(d.nodes), setError(null)))
      .catch((e: Error) => setError(e.message));
  }, [version]);
  return html`<section class="nodes">
    <h1>Nodes</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${nodes &&
    html`<table class="grid" data-testid="nodes-table">
      <thead><tr><th>node</th><th>kind</th><th>status</th><th>running / capacity</th><th>offers</th><th>started</th><th>last seen</th></tr></thead>
      <tbody>${nodes.map(
        (n) => html`<tr key=${n.id}><td>${n.id}</td><td>${n.kind}</td><td><${StateBadge} state=${n.status} />${n.gone
          ? html` <span class="st-interrupted" data-testid="gone" title="its process stopped while it ran attempts; no live run is left for it to run">(gone)</span>`
          : null}</td>
          <td>${n.running} / ${n.capacity}</td><td>${n.capabilities.join(', ')}</td><td>${formatTime(n.startedAt)}</td><td>${formatTime(n.lastSeenAt)}</td></tr>`,
      )}</tbody>
    </table>`}
  </section>`;
}
