import type { CommandLine } from '../../command-line.ts';
import { RunNotFoundError } from '../../errors.ts';
import { clampSeq } from '../../journal-view.ts';
import { journalExtent } from '../../store/bulk-journal-reader.ts';
import { readRunResult, toRunSummary } from '../../run-result.ts';
import { listedNodes } from '../../run-liveness.ts';
import { HttpError, json } from '../../server/http.ts';
import type { RunListing, RunRecord, SwarmStore } from '../../store/types.ts';
import { journalPage } from './journal-page.ts';
import { rowsForClients } from './rows-for-clients.ts';
import { optionalIntParam } from './query-params.ts';
import { runGraph } from './run-graph.ts';
import { listRunsPage } from './run-list.ts';
import { runStateNow, type Backoff } from './run-state.ts';
import type { TimeTravel } from './time-travel.ts';
import { taskDetail } from './task-detail.ts';
import { runTimeline, TimelineFolds } from './run-timeline.ts';
import { MACHINES, machineStatechart } from './task-statechart.ts';

/**
 * The dashboard's JSON routes: GET only, reading the store and nothing else, so the same table
 * serves the dispatcher (beside its API, whose own routes win where both have a path) and
 * `swarm dashboard` over a database with no dispatcher. The server checks host and token first.
 */

export interface DashboardContext {
  store: SwarmStore;
  /** The retry backoff the task machines' context shows when re-simulated (config). */
  backoff: Backoff;
  /** Whether runs can be controlled from the page: on a dispatcher, not over a bare database. */
  controls: boolean;
  /** Live timelines kept between requests (run-timeline.ts). */
  timelines: TimelineFolds;
  /** Runs' states at a seq, re-simulated (time-travel.ts). */
  timeTravel: TimeTravel;
  /** How hints name this server's config and database, as it was started (`swarm run --resume <id> CONFIG --db DB`). */
  commandLine: CommandLine;
}

export interface ReadRoute {
  pattern: RegExp;
  /** Its first parameter is a run reference: a unique prefix names the run, as in the API. */
  runRef?: true;
  handle(request: Request, params: string[], search: URLSearchParams, ctx: DashboardContext): Response | Promise<Response>;
}

function requireRun(ctx: DashboardContext, runId: string): RunRecord {
  const run = ctx.store.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  return run;
}

/** The run without its manifest: what every route that needs no manifest reads (megabytes otherwise). */
function requireListing(ctx: DashboardContext, runId: string): RunListing {
  const run = ctx.store.getRunListing(runId);
  if (!run) throw new RunNotFoundError(runId);
  return run;
}

/** `?at=SEQ` within the run's journal, as the state route names it (null: live). */
function cursorOf(ctx: DashboardContext, runId: string, search: URLSearchParams): number | null {
  const at = optionalIntParam(search, 'at');
  if (at === null) return null;
  const { firstSeq, lastSeq } = journalExtent(ctx.store, runId);
  return clampSeq(at, firstSeq, lastSeq);
}

const RUN = '/api/runs/([^/]+)';

export const readRoutes: ReadRoute[] = [
  { pattern: /^\/api\/runs$/, handle: (_r, _p, search, ctx) => json(listRunsPage(ctx.store, search, ctx.commandLine)) },
  {
    runRef: true,
    pattern: new RegExp(`^${RUN}$`),
    handle(_r, [runId], _s, ctx) {
      const result = readRunResult(ctx.store, runId);
      if (!result) throw new RunNotFoundError(runId);
      return json(result);
    },
  },
  // The run without its tasks' results (GET /api/runs/:id has them all: megabytes on a big run).
  { runRef: true, pattern: new RegExp(`^${RUN}/summary$`), handle: (_r, [runId], _s, ctx) => json(toRunSummary(requireListing(ctx, runId))) },
  { runRef: true, pattern: new RegExp(`^${RUN}/graph$`), handle: async (_r, [runId], _s, ctx) => json(await runGraph(requireRun(ctx, runId))) },
  {
    runRef: true,
    pattern: new RegExp(`^${RUN}/state$`),
    async handle(_r, [runId], search, ctx) {
      const at = optionalIntParam(search, 'at');
      const listing = requireListing(ctx, runId);
      return json(at === null ? runStateNow(ctx.store, listing, ctx.commandLine) : await ctx.timeTravel.stateAt(runId, at));
    },
  },
  {
    runRef: true,
    pattern: new RegExp(`^${RUN}/timeline$`),
    handle(_r, [runId], search, ctx) {
      return json(runTimeline(ctx.store, ctx.timelines, requireListing(ctx, runId), cursorOf(ctx, runId, search), search));
    },
  },
  {
    runRef: true,
    pattern: new RegExp(`^${RUN}/journal$`),
    handle(_r, [runId], search, ctx) {
      requireListing(ctx, runId);
      const page = journalPage(ctx.store, runId, search);
      return json({ runId, ...page, rows: rowsForClients(page.rows) });
    },
  },
  {
    runRef: true,
    pattern: new RegExp(`^${RUN}/tasks/([^/]+)$`),
    handle(_r, [runId, name], search, ctx) {
      return json(taskDetail(ctx.store, requireRun(ctx, runId), name, cursorOf(ctx, runId, search)));
    },
  },
  { pattern: /^\/api\/nodes$/, handle: (_r, _p, _s, ctx) => json({ nodes: listedNodes(ctx.store), at: Date.now() }) },
  { pattern: /^\/api\/machines$/, handle: () => json({ machines: Object.keys(MACHINES) }) },
  {
    pattern: /^\/api\/machines\/([^/]+)$/,
    handle: (_r, [name]) => {
      const chart = machineStatechart(name);
      if (!chart) throw new HttpError(404, 'NOT_FOUND', `No machine "${name.slice(0, 40)}": the machines are ${Object.keys(MACHINES).join(', ')}.`);
      return json(chart);
    },
  },
  // What this server offers the page: the control buttons only where a dispatcher runs.
  { pattern: /^\/api\/dashboard$/, handle: (_r, _p, _s, ctx) => json({ controls: ctx.controls }) },
];
