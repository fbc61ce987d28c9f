import type { Command } from 'commander';
import { SwarmError } from '../../errors.ts';
import type { StatusReport } from '../../server/status-report.ts';
import type { RunStatus, StoreCounts } from '../../store/types.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig, openCliStore } from '../context.ts';
import { DispatcherClient, dispatcherUrls, NotADispatcherError } from '../dispatcher-client.ts';
import { out } from '../exit.ts';
import { errorJson, formatDuration, printJson } from '../output.ts';

interface StatusOptions {
  json?: boolean;
  url?: string;
  db?: string;
}

/** A status request should answer at once; a dispatcher this slow is as good as down. */
const STATUS_TIMEOUT_MS = 3_000;

/** What `status` reports when no dispatcher answers: the database alone. */
interface DownReport {
  dispatcher: 'down';
  url: string;
  reason: string;
  database: { location: string; counts: StoreCounts; runsByStatus: Partial<Record<RunStatus, number>> } | null;
  error?: ReturnType<typeof errorJson>;
}

/**
 * `swarm status [config] [--json] [--url URL] [--db PATH]`: asks the running dispatcher
 * (GET /api/status) and prints the spec's report — nodes, tasks, active workflows, record
 * counts of the state database; exit 0. With no dispatcher answering it reads the database
 * (`--db` or `state_db_path`) itself, says the dispatcher is not running and exits 3, because
 * the question asked — the swarm's status — could not be answered. --json: one document,
 * `"dispatcher": "running"` (the report) or `"down"` (url, reason, database).
 */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(summaryOf('status'))
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print the report as one JSON document')
    .option('--url <url>', 'the dispatcher, or several separated by commas (the first that answers; default: [dispatcher] coordinator_endpoint, ws:// read as http://)')
    .option('--db <path>', 'state database to read when no dispatcher answers (overrides [dispatcher] state_db_path)')
    .action(action(status));
}

async function status(configPath: string | undefined, opts: StatusOptions): Promise<number> {
  const { config } = await loadCliConfig(configPath, { db: opts.db });
  const urls = dispatcherUrls(config, opts.url);
  const client = new DispatcherClient(urls, config, STATUS_TIMEOUT_MS);
  let report: StatusReport;
  try {
    report = await client.get<StatusReport>('/api/status');
  } catch (error) {
    if (!(error instanceof SwarmError) || error.code !== 'DISPATCHER_UNREACHABLE') throw error;
    return reportDown(client.url, urls.join(' or '), error, config, opts.json === true);
  }
  if (opts.json) await printJson({ ...report, url: client.url });
  else await out(formatRunning(report, client.url));
  return 0;
}

/** `asked`: every URL tried, for people (the JSON's `url` is the first; its `reason` names them all). */
async function reportDown(url: string, asked: string, why: SwarmError, config: Parameters<typeof openCliStore>[0], json: boolean): Promise<number> {
  const reason = why.message;
  const down: DownReport = { dispatcher: 'down', url, reason, database: null };
  const headline =
    why instanceof NotADispatcherError
      ? `Dispatcher: not running (${reason})`
      : `Dispatcher: not running (no answer at ${asked}); start one with \`swarm start-dispatcher\``;
  try {
    const store = openCliStore(config);
    const runsByStatus: Partial<Record<RunStatus, number>> = {};
    for (const run of store.listRuns()) runsByStatus[run.status] = (runsByStatus[run.status] ?? 0) + 1;
    down.database = { location: store.location, counts: store.counts(), runsByStatus };
  } catch (error) {
    // No dispatcher and no database: still one report (JSON) or both facts (text); exit 3 either way.
    if (!json) await out(`${headline}\n`);
    if (!json) throw error;
    down.error = errorJson(error);
  }
  if (json) await printJson(down);
  else await out(formatDown(down, headline));
  return 3;
}

function countsLines(counts: StoreCounts): string[] {
  const order: (keyof StoreCounts)[] = ['state', 'runs', 'tasks', 'transitions', 'nodes'];
  return order.map((table) => `  ${table}: ${counts[table]} records`);
}

function formatRunning(r: StatusReport, url: string): string {
  const lines = [
    `Dispatcher: running at ${url} (version ${r.version}, up ${formatDuration(r.uptimeMs)})`,
    ...(r.refusesRuns ? [`  ACCEPTS NO RUN: ${r.refusesRuns}`] : []),
    '',
    'Coordinator Status:',
    `  Active nodes: ${r.nodes.active}`,
    `    Idle: ${r.nodes.idle}`,
    `    Busy: ${r.nodes.busy}`,
    ...r.nodes.list.flatMap((node) =>
      (node.engines ?? []).map(
        (p) =>
          `  Warm engines ${node.id}/${p.backend}: ${p.engines} of ${p.size} up, ${p.busy} busy, ` +
          `${p.recycled} recycled, ${p.crashed} crashed`,
      ),
    ),
    `  Queued tasks: ${r.tasks.queued}`,
    `  Running tasks: ${r.tasks.running}`,
    `  Completed tasks: ${r.tasks.completed}`,
    `  Failed tasks: ${r.tasks.failed}`,
    '',
    `Active workflows: ${r.workflows.active}`,
    ...r.workflows.runs.map((run) => `  ${run.runId}  ${run.name}  ${run.status}  ${run.settledTasks}/${run.totalTasks} settled`),
    '',
    ...databaseLines(r.database),
  ];
  return lines.join('\n');
}

function databaseLines(database: StatusReport['database']): string[] {
  const { unavailable, counts } = database;
  if (counts !== null) return ['State database:', ...countsLines(counts)];
  if (!unavailable) return ['State database: (no counts)'];
  return [
    `State database: UNAVAILABLE since ${new Date(unavailable.since).toISOString()} (${unavailable.attempts} tries so far)`,
    `  ${unavailable.error}`,
    unavailable.givesUpAt === null
      ? '  This dispatcher has no run; it keeps trying, and takes no run until the database answers again.'
      : `  Runs are held (nothing is dispatched; nothing is lost) until it answers again; this dispatcher gives up at ${new Date(unavailable.givesUpAt).toISOString()}.`,
  ];
}

function formatDown(d: DownReport, headline: string): string {
  const lines = [headline];
  if (d.database) {
    const { location, counts, runsByStatus } = d.database;
    const byStatus = Object.entries(runsByStatus).map(([s, n]) => `  ${s}: ${n}`);
    lines.push('', `State database (${location}):`, ...countsLines(counts), '', 'Runs by status:', ...(byStatus.length ? byStatus : ['  (none)']));
  }
  return lines.join('\n');
}
