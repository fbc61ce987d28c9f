import { historyFilter } from '../../cli/filters.ts';
import type { SwarmStore, TransitionRecord } from '../../store/types.ts';
import type { JournalPage } from '../wire.ts';
import { intParam, optionalIntParam, textParam } from './query-params.ts';

/**
 * GET /api/runs/:id/journal: the run's journal rows in seq order, one page at a time
 * (`afterSeq`, `limit` up to 1000), filtered as `swarm history` filters (`symbol`, `actor`,
 * `kind`, `event` with a trailing `*` for a prefix), and cut at `until` (the time cursor).
 * `nextAfterSeq` continues the scan; it is null at the end.
 */

const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 1000;
/** Rows read per store call while filtering. */
const CHUNK = 2000;

export function journalPage(store: SwarmStore, runId: string, params: URLSearchParams): JournalPage {
  const limit = Math.max(1, intParam(params, 'limit', DEFAULT_LIMIT, MAX_LIMIT));
  let afterSeq = intParam(params, 'afterSeq', 0);
  const until = optionalIntParam(params, 'until');
  const accepts = historyFilter(
    {
      symbol: textParam(params, 'symbol'),
      actor: textParam(params, 'actor'),
      kind: textParam(params, 'kind'),
      event: textParam(params, 'event'),
    },
    (f) => `query parameter ${f}`,
  );
  const rows: TransitionRecord[] = [];
  for (;;) {
    const chunk = store.getTransitions(runId, { afterSeq, limit: CHUNK });
    for (const row of chunk) {
      if (until !== null && row.seq > until) return { rows, nextAfterSeq: null };
      afterSeq = row.seq;
      if (!accepts(row)) continue;
      rows.push(row);
      if (rows.length === limit) return { rows, nextAfterSeq: row.seq };
    }
    if (chunk.length < CHUNK) return { rows, nextAfterSeq: null };
  }
}
