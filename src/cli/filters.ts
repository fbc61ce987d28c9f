import { UsageError } from '../errors.ts';
import { ACTOR_KINDS, RUN_STATUSES, type RunListing, type RunStatus, type TransitionRecord } from '../store/types.ts';
import { parseSince } from './duration.ts';

/**
 * The filters of `runs` and `history`, parsed once from their options. Lists are
 * comma-separated ("failed,cancelled"); a value not in the vocabulary is a usage error that
 * lists the ones there are.
 */

function list<T extends string>(text: string, known: readonly T[], option: string): T[] {
  const values = text.split(',').map((v) => v.trim()).filter(Boolean);
  const bad = values.filter((v) => !known.includes(v as T));
  if (values.length === 0 || bad.length > 0) {
    throw new UsageError(`${option}: unknown ${bad.length ? `"${bad.join('", "')}"` : 'empty value'}; choose from ${known.join(', ')} (comma-separated).`);
  }
  return values as T[];
}

export interface RunFilterOptions {
  status?: string;
  workflow?: string;
  since?: string;
}

export interface RunFilter {
  status: RunStatus[] | undefined;
  accepts(run: RunListing): boolean;
}

/** `nameOf`: how an error names the filter, the CLI's option by default (the HTTP API names its query parameter). */
export function runFilter(opts: RunFilterOptions, nameOf: (filter: 'status' | 'since') => string = (f) => `--${f}`): RunFilter {
  const status = opts.status !== undefined ? list(opts.status, RUN_STATUSES, nameOf('status')) : undefined;
  const since = opts.since !== undefined ? parseSince(opts.since, nameOf('since')) : undefined;
  const workflow = opts.workflow;
  return {
    status,
    accepts: (run) => (workflow === undefined || run.name === workflow) && (since === undefined || run.createdAt >= since),
  };
}

export interface HistoryFilterOptions {
  symbol?: string;
  actor?: string;
  kind?: string;
  event?: string;
}

/**
 * `--event` matches a whole event type, or a prefix when it ends with `*` ("task.*"). `nameOf`:
 * how an error names the filter, the CLI's option by default (the HTTP API names its query parameter).
 */
export function historyFilter(
  opts: HistoryFilterOptions,
  nameOf: (filter: keyof HistoryFilterOptions) => string = (f) => `--${f}`,
): (row: TransitionRecord) => boolean {
  const kinds = opts.kind !== undefined ? new Set(list(opts.kind, ACTOR_KINDS, nameOf('kind'))) : undefined;
  const actor = opts.symbol !== undefined ? `task:${opts.symbol}` : opts.actor;
  if (opts.symbol !== undefined && opts.actor !== undefined) {
    throw new UsageError(`${nameOf('symbol')} and ${nameOf('actor')} both name one actor; give one of them.`);
  }
  const event = opts.event;
  const matchesEvent =
    event === undefined ? () => true : event.endsWith('*') ? (e: string) => e.startsWith(event.slice(0, -1)) : (e: string) => e === event;
  return (row) => (kinds === undefined || kinds.has(row.actorKind)) && (actor === undefined || row.actorId === actor) && matchesEvent(row.event);
}
