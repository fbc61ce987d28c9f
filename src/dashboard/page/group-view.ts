import { html } from './html.ts';
import { setQuery } from './router.ts';
import { iconOf, stateClass } from './states.ts';

/**
 * A run too big to draw node by node is drawn as one box per dependency depth (the server's
 * groups). A box is coloured by the most pressing state among its tasks and says how many are
 * in each; selecting it lists its tasks (the first LISTED, by state), each opening its drawer.
 */

/** Which state colours a group: the first of these any member is in. */
const PRESSING = ['failed', 'rollback_failed', 'running', 'assigned', 'retrying', 'rolling_back', 'ready', 'pending', 'cancelled', 'skipped', 'rolled_back', 'succeeded'];
const LISTED = 200;

export function groupState(members: readonly string[], stateOf: (name: string) => string): string {
  const present = new Set(members.map(stateOf));
  return PRESSING.find((s) => present.has(s)) ?? 'pending';
}

export function groupCounts(members: readonly string[], stateOf: (name: string) => string): string {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(stateOf(m), (counts.get(stateOf(m)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([s, n]) => `${iconOf(s)}${n}`).join(' ');
}

export function GroupMembers({ id, members, stateOf }: { id: string; members: readonly string[]; stateOf: (name: string) => string }) {
  const order = new Map(PRESSING.map((s, i) => [s, i]));
  const sorted = [...members].sort((a, b) => (order.get(stateOf(a)) ?? 99) - (order.get(stateOf(b)) ?? 99)).slice(0, LISTED);
  return html`<aside class="drawer" data-testid="group-members">
    <h2>${id} <small>${members.length} tasks</small></h2>
    <ul class="members">${sorted.map(
      (name) => html`<li key=${name} class=${stateClass(stateOf(name))}><a href="#" onClick=${(e: Event) => (e.preventDefault(), setQuery({ task: name, group: null }))}>${iconOf(stateOf(name))} ${name}</a></li>`,
    )}</ul>
    ${members.length > LISTED && html`<p>and ${members.length - LISTED} more (the journal filters by symbol).</p>`}
  </aside>`;
}
