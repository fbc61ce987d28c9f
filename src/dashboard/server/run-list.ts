import { runFilter } from '../../cli/filters.ts';
import type { CommandLine } from '../../command-line.ts';
import { listedRun } from '../../run-liveness.ts';
import type { SwarmStore } from '../../store/types.ts';
import { intParam, textParam } from './query-params.ts';

/**
 * GET /api/runs: runs newest first, paged (`limit`, default 20, 0 = all; `offset`) and filtered
 * (`status` comma-separated, `workflow`, `since` as `swarm runs` takes them). Shared by the
 * dispatcher's API (where `swarm` clients read it) and the dashboard. `commandLine`: how the
 * server's hints name its config and database (an interrupted run's `resumeCommand`).
 */

const DEFAULT_LIMIT = 20;

export function listRunsPage(store: SwarmStore, params: URLSearchParams, commandLine: CommandLine) {
  const limit = intParam(params, 'limit', DEFAULT_LIMIT);
  const offset = intParam(params, 'offset', 0);
  const filter = runFilter({ status: textParam(params, 'status'), workflow: textParam(params, 'workflow'), since: textParam(params, 'since') }, (f) => `query parameter ${f}`);
  const filtered = textParam(params, 'workflow') !== undefined || textParam(params, 'since') !== undefined;
  // One more than asked tells whether there is a next page. The workflow and since filters are
  // applied here, on the store's status-filtered list: the store has no query for them.
  const want = limit === 0 ? undefined : offset + limit + 1;
  const candidates = filtered
    ? store.listRuns({ ...(filter.status && { status: filter.status }) }).filter(filter.accepts)
    : store.listRuns({ ...(want !== undefined && { limit: want }), ...(filter.status && { status: filter.status }) });
  const page = limit === 0 ? candidates.slice(offset) : candidates.slice(offset, offset + limit);
  return {
    runs: page.map((run) => listedRun(store, run, commandLine)),
    offset,
    hasMore: limit !== 0 && candidates.length > offset + limit,
  };
}
