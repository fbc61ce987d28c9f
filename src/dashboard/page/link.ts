import type { ComponentChildren } from 'preact';
import { html } from './html.ts';
import { onLink } from './router.ts';
import { iconOf, stateClass } from './states.ts';

/** An in-page link (a real href, so it opens in a new tab too). */
export function Link({ href, children, cls }: { href: string; children: ComponentChildren; cls?: string }) {
  return html`<a href=${href} class=${cls} onClick=${(e: MouseEvent) => onLink(e, href)}>${children}</a>`;
}

export const runHref = (runId: string, query: Record<string, string | number> = {}) => {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return `/runs/${encodeURIComponent(runId)}${qs ? `?${qs}` : ''}`;
};

export function StateBadge({ state }: { state: string }) {
  return html`<span class=${`badge ${stateClass(state)}`}>${iconOf(state)} ${state}</span>`;
}
