import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { CommandLine } from '../command-line.ts';
import { RunNotFoundError, UsageError } from '../errors.ts';
import { DispatcherGaveUpError } from '../store/store-errors.ts';
import type { ManifestDefaults } from '../manifest/index.ts';
import { listRunsPage } from '../dashboard/server/run-list.ts';
import { readRunOutcome, readRunResult } from '../run-result.ts';
import { readRunJournalDetail } from '../run-journal-detail.ts';
import { isFinishedRun, type RunListing } from '../store/types.ts';
import { HttpError, json, readJsonBody } from './http.ts';
import { ManifestThread } from './manifest-thread.ts';
import type { SwarmMetrics } from './metrics.ts';
import type { RunProgressView } from './run-registry.ts';
import { STOPPING_MESSAGE, statusReport, type StatusSources } from './status-report.ts';

/**
 * The dispatcher's HTTP routes. Each route says whether it needs the shared token; the server
 * checks host and token before calling a handler. A later WebSocket route for remote workers
 * is an upgrade in the server's fetch handler, beside these.
 */

export interface RouteContext extends StatusSources {
  metrics: SwarmMetrics;
  /** How hints about runs name the dispatcher's config and database (an interrupted run's resumeCommand). */
  commandLine: CommandLine;
  maxBodyBytes: number;
  manifestDefaults: ManifestDefaults;
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Needs the shared token when auth is on (everything but /health). */
  protected: boolean;
  /**
   * Its first parameter names a run: an id or a unique prefix of one, resolved to the full id
   * before `handle` (src/run-ref.ts), as the CLI reads run references.
   */
  runRef?: true;
  handle(request: Request, params: string[], ctx: RouteContext): Response | Promise<Response>;
}

const RUN_ID = '([^/]+)';

/** Posted manifests are read off the event loop (see manifest-thread.ts); one thread per process. */
const manifestThread = new ManifestThread();

const stopping = () => new HttpError(503, 'DISPATCHER_STOPPING', STOPPING_MESSAGE);

/** POST /api/runs: the manifest text as deployed (a field it does not know, a typo, is refused); `path` (absolute, the client's file) lets relative `module` paths resolve. */
const deployBody = z.strictObject({
  source: z.string({ error: 'expected "source": the manifest text' }),
  format: z.enum(['yaml', 'toml'], { error: 'expected "format": "yaml" or "toml"' }).optional(),
  name: z
    .string()
    .min(1, { error: '"name" must not be empty' })
    .refine((name) => name.trim() !== '', { error: '"name" must not be blank (only white space)' })
    .optional(),
  path: z.string().refine(isAbsolute, { error: '"path" must be an absolute path' }).optional(),
});

/** POST /api/runs/:id/replay: what to re-run, and optionally an edited manifest (as in a deploy). */
const replayBody = z.strictObject({
  from: z.string().min(1).optional(),
  all: z.boolean().optional(),
  source: z.string().optional(),
  format: z.enum(['yaml', 'toml']).optional(),
  path: z.string().refine(isAbsolute, { error: '"path" must be an absolute path' }).optional(),
});

/** The handle of a run active on this dispatcher (found without the store: it may be away), or 409. */
function activeHandle(ctx: RouteContext, runId: string) {
  const handle = ctx.registry.get(runId);
  if (handle) return handle;
  const run = requireRun(ctx, runId);
  throw new HttpError(409, 'RUN_NOT_ACTIVE', `Run ${runId} is not active on this dispatcher (status: ${run.status}).`);
}

/** POST /api/runs/:id/<verb>: cancel, pause or resume an active run. */
function controlRoute(verb: 'cancel' | 'pause' | 'resume', state: string): Route {
  return {
    method: 'POST',
    pattern: new RegExp(`^/api/runs/${RUN_ID}/${verb}$`),
    protected: true,
    runRef: true,
    handle(_req, [runId], ctx) {
      const handle = activeHandle(ctx, runId);
      if (verb === 'cancel') handle.cancel('cancelled by request');
      else handle[verb]();
      // The run's machine takes the event only where it may (a run being cancelled is not
      // paused; a run rolling back is not cancelled): say so instead of claiming it.
      const now = handle.state();
      if (now !== state && !(verb === 'cancel' && now === 'cancelled')) {
        const done = { cancel: 'cancelled', pause: 'paused', resume: 'resumed' }[verb];
        throw new HttpError(409, 'RUN_STATE_CONFLICT', `Run ${runId} is ${now}: it cannot be ${done} now.`);
      }
      return json({ runId, status: state }, 202);
    },
  };
}

function progressFromStore(run: RunListing): RunProgressView {
  const ended = isFinishedRun(run.status);
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    totalTasks: run.totalTasks,
    // A run no dispatcher is running (ended, or left behind by one that died) has nothing live.
    settledTasks: ended ? run.totalTasks : run.completedTasks + run.failedTasks,
    completedTasks: run.completedTasks,
    failedTasks: run.failedTasks,
    runningTasks: 0,
    activeTasks: { running: [], retrying: [] },
  };
}

/** A request body's problems, each with the field it is about: `from: expected string, received number`. */
function describeBodyIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/** The run without its manifest: no route here needs it, and a big run's is megabytes. */
function requireRun(ctx: RouteContext, runId: string): RunListing {
  const run = ctx.store.getRunListing(runId);
  if (!run) throw new RunNotFoundError(runId);
  return run;
}

export const routes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/health$/,
    protected: false,
    handle: (_req, _params, ctx) => {
      const uptimeMs = Date.now() - ctx.startedAt;
      // Alive is not enough: a dispatcher whose store refused a write takes no run, and a load
      // balancer or a supervisor must see that without the token.
      const failure = ctx.dispatcher.failure;
      const outage = ctx.dispatcher.storeOutage;
      if (failure === null && outage !== null) {
        const message =
          outage.givesUpAt === null
            ? 'The state database cannot be reached: this dispatcher has no run and retries until it answers; it accepts no run meanwhile.'
            : 'The state database cannot be reached: this dispatcher holds its runs (nothing is lost) and retries until ' +
              `${new Date(outage.givesUpAt).toISOString()}; it accepts no run meanwhile.`;
        return json({ status: 'unavailable', version: ctx.version, uptimeMs, error: { code: 'STORE_UNAVAILABLE', message }, since: outage.since }, 503);
      }
      if (failure === null && !ctx.accepting()) {
        return json({ status: 'stopping', version: ctx.version, uptimeMs, error: { code: 'DISPATCHER_STOPPING', message: STOPPING_MESSAGE } }, 503);
      }
      if (failure === null) return json({ status: 'ok', version: ctx.version, uptimeMs });
      // The cause in words but not the database's path: /health answers without the token.
      const { message } = new DispatcherGaveUpError(failure);
      return json({ status: 'unavailable', version: ctx.version, uptimeMs, error: { code: 'STORE_UNAVAILABLE', message } }, 503);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/status$/,
    protected: true,
    handle: (_req, _params, ctx) => json(statusReport(ctx)),
  },
  {
    method: 'POST',
    pattern: /^\/api\/runs$/,
    protected: true,
    async handle(request, _params, ctx) {
      const raw = await readJsonBody(request, ctx.maxBodyBytes);
      const parsed = deployBody.safeParse(raw);
      if (!parsed.success) throw new UsageError(`Bad deploy request: ${describeBodyIssues(parsed.error.issues)}`);
      if (!ctx.accepting()) throw stopping();
      const { source, format, name, path } = parsed.data;
      const loaded = await manifestThread.parse(source, {
        ...(format !== undefined && { format }),
        file: path ?? '<deployed manifest>',
        defaults: ctx.manifestDefaults,
      });
      if (!ctx.accepting()) throw stopping(); // it may have begun stopping meanwhile
      const handle = ctx.registry.deploy(path !== undefined ? { ...loaded, path } : loaded, name);
      return json({ runId: handle.runId }, 201, { location: `/api/runs/${handle.runId}` });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/runs$/,
    protected: true,
    // limit (default 20, 0 = all), offset, status, workflow, since: shared with the dashboard.
    handle: (request, _params, ctx) => json(listRunsPage(ctx.store, new URL(request.url).searchParams, ctx.commandLine)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/runs/${RUN_ID}$`),
    protected: true,
    runRef: true,
    handle(_req, [runId], ctx) {
      const result = readRunResult(ctx.store, runId);
      if (!result) throw new RunNotFoundError(runId);
      return json(result);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/runs/${RUN_ID}/outcome$`),
    protected: true,
    runRef: true,
    handle(request, [runId], ctx) {
      const outcome = readRunOutcome(ctx.store, runId);
      if (!outcome) throw new RunNotFoundError(runId);
      // ?journal=1: with what the journal tells of the listed tasks (a rollback's own time).
      const detail = new URL(request.url).searchParams.get('journal') === '1' ? { journal: readRunJournalDetail(ctx.store, outcome) } : {};
      return json({ ...outcome, ...detail });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/runs/${RUN_ID}/progress$`),
    protected: true,
    runRef: true,
    handle(_req, [runId], ctx) {
      const handle = ctx.registry.get(runId);
      // A run hosted here is followed through a store outage too (`swarm deploy` waits with the
      // dispatcher that holds it): its listing as last read, its counts live.
      const held = handle && ctx.registry.storedListing(runId, ctx.dispatcher.storeOutage === null ? ctx.store : null);
      if (handle && held) return json(ctx.registry.liveProgress(handle, held));
      return json(progressFromStore(requireRun(ctx, runId)));
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/runs/${RUN_ID}/rollback$`),
    protected: true,
    runRef: true,
    handle(_req, [runId], ctx) {
      if (!ctx.accepting()) throw new HttpError(503, 'DISPATCHER_STOPPING', 'The dispatcher is stopping and accepts no new work.');
      requireRun(ctx, runId);
      const handle = ctx.registry.track(ctx.dispatcher.rollback(runId));
      return json({ runId: handle.runId, status: 'compensating' }, 202);
    },
  },
  controlRoute('cancel', 'cancelling'),
  controlRoute('pause', 'paused'),
  controlRoute('resume', 'running'),
  {
    method: 'POST',
    pattern: new RegExp(`^/api/runs/${RUN_ID}/replay$`),
    protected: true,
    runRef: true,
    async handle(request, [runId], ctx) {
      const parsed = replayBody.safeParse(await readJsonBody(request, ctx.maxBodyBytes));
      if (!parsed.success) throw new UsageError(`Bad replay request: ${describeBodyIssues(parsed.error.issues)}`);
      if (!ctx.accepting()) throw stopping();
      requireRun(ctx, runId);
      const { from, all, source, format, path } = parsed.data;
      const edited =
        source === undefined
          ? undefined
          : await manifestThread.parse(source, { ...(format !== undefined && { format }), file: path ?? '<replay manifest>', defaults: ctx.manifestDefaults });
      if (!ctx.accepting()) throw stopping();
      const handle = ctx.registry.track(
        ctx.dispatcher.replay(runId, {
          ...(from !== undefined && { from }),
          ...(all !== undefined && { all }),
          ...(edited && { manifest: path !== undefined ? { ...edited, path } : edited }),
        }),
      );
      return json(
        { runId: handle.runId, replayOf: runId, reused: [...handle.plan.reuse.keys()], rerun: Object.fromEntries(handle.plan.rerun) },
        201,
        { location: `/api/runs/${handle.runId}` },
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/metrics$/,
    protected: true,
    async handle(_req, _params, ctx) {
      const { contentType, text } = await ctx.metrics.render();
      return new Response(text, { headers: { 'content-type': contentType } });
    },
  },
];
