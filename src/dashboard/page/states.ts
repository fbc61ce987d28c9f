import { STATE_ICONS } from '../../state-icons.ts';

/**
 * How a state is shown: a word and an icon always (readable without colour, as in `swarm
 * watch`), and a CSS class that colours it (style.css).
 */

export const iconOf = (state: string) => STATE_ICONS[state] ?? '?';
/** A class name from a state: only letters and underscores survive. */
export const stateClass = (state: string) => `st-${state.replace(/[^a-z_]/gi, '')}`;

export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A value as text for a <pre>: JSON, indented; never markup. */
export function asText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
