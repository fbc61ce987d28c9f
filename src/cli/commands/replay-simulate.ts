import { TERMINAL_TASK_STATES } from '../../../machines/task-machine.ts';
import { readRecordedRun } from '../../../actors/journal/simulation/recorded-run.ts';
import { reSimulate, type SimulatedActor, type SimulationReport } from '../../../actors/journal/simulation/re-simulate.ts';
import { UsageError } from '../../errors.ts';
import { openStoredRun, parseCount } from '../context.ts';
import { err, out } from '../exit.ts';
import { describeValue, printJson, truncate } from '../output.ts';
import { swarmCommandLine } from '../../command-line.ts';
import { renderTable } from '../table-render.ts';
import { cellText } from '../../terminal-text.ts';

export interface SimulateCliOptions {
  at?: string;
  exact?: boolean;
  json?: boolean;
  db?: string;
}

/** Task actors listed one by one in the text table; beyond this, counts by state (all in --json). */
const LISTED_TASKS = 100;
const TERMINAL = new Set<string>(TERMINAL_TASK_STATES);

/**
 * `swarm replay <run> --simulate [--at SEQ] [--exact] [--json] [--db PATH]`: re-simulates the
 * run's journal — every actor's machine fed its recorded events, nothing executed — and prints
 * each actor's state at SEQ (default: the end of the journal). Without --at, the task and run
 * projections rebuilt from the simulation are compared with the stored ones as well.
 *
 * Exit 0: the journal reproduces. Exit 1: it diverges — the first diverging row (or projection
 * field) is named (a JournalDivergenceError, code JOURNAL_DIVERGED): the check failed like a
 * workflow fails, the input itself was fine. Exit 2: bad options, unknown run. Exit 3: no database.
 *
 * JSON: one document `{runId, name, at, lastSeq, rows, reproduced, divergence, compared, notes,
 * sharing, actors: [{actorId, kind, state, lastSeq, instances, context}], projections: {run, tasks}}`.
 */
export async function simulateReplay(ref: string, configPath: string | undefined, opts: SimulateCliOptions): Promise<number> {
  const at = opts.at === undefined ? undefined : parseCount(opts.at, '--at');
  const { config, store, run } = await openStoredRun(ref, configPath, opts.db);
  const recorded = readRecordedRun(store, run.id, run);
  const rows = recorded.transitions;
  if (at !== undefined && (rows.length === 0 || at < rows[0].seq)) {
    const range = rows.length === 0 ? 'it has no journal rows yet' : `its rows are seq ${rows[0].seq}..${rows[rows.length - 1].seq}`;
    throw new UsageError(`--at ${at} is before run ${run.id} began: ${range} (see \`${swarmCommandLine(['history', run.id], configPath, opts.db)}\`).`);
  }
  const report = reSimulate(recorded, {
    ...(at !== undefined && { at }),
    share: opts.exact !== true,
    backoff: { base: config.coordinator.retry_backoff_base, max: config.coordinator.retry_backoff_max },
  });
  if (opts.json) {
    await printJson({
      runId: report.runId,
      name: run.name,
      at: report.at,
      lastSeq: report.lastSeq,
      rows: report.rows,
      reproduced: report.divergence === null,
      divergence: report.divergence?.toJSON() ?? null,
      compared: report.compared,
      notes: report.notes,
      sharing: report.sharing,
      actors: report.actors,
      projections: { run: report.run, tasks: report.tasks },
    });
  } else {
    const where = report.at === null ? 'the end of the journal' : `seq ${report.at}`;
    await out(`Re-simulation of run ${run.id} (${run.name}) at ${where}: ${report.rows} rows replayed, nothing executed.`);
    await out(actorTable(report.actors));
    for (const note of report.notes) await out(`note: ${note}`);
    if (!report.divergence) await out(summary(report));
  }
  if (report.divergence) {
    if (!opts.json) await err(report.divergence.message);
    return 1;
  }
  return 0;
}

/** Refuses the run options that make no sense with --simulate (nothing runs). */
export function checkSimulateOptions(opts: Record<string, unknown>): void {
  const clashing = ['from', 'all', 'manifest', 'url', 'detach', 'quiet'].filter((k) => opts[k] !== undefined && opts[k] !== false);
  if (clashing.length > 0) {
    throw new UsageError(`--simulate replays the journal without running anything; drop ${clashing.map((k) => `--${k}`).join(', ')}.`);
  }
}

function summary(report: SimulationReport): string {
  const shared = report.sharing.shared > 0 ? ` (${report.sharing.simulated} task actors re-simulated, ${report.sharing.shared} shared their result)` : '';
  if (!report.compared) return `Reproduced: every transition up to seq ${report.lastSeq ?? 0} replays${shared}.`;
  const counts = report.compared.runCounts ? 'status and counts' : 'status';
  return `Reproduced: every transition replays, and the projections match (${report.compared.tasks} tasks; the run's ${counts})${shared}.`;
}

function actorTable(actors: SimulatedActor[]): string {
  const tasks = actors.filter((a) => a.kind === 'task');
  const listed = tasks.length <= LISTED_TASKS ? tasks : tasks.filter((a) => !TERMINAL.has(a.state)).slice(0, LISTED_TASKS);
  const rows = [...actors.filter((x) => x.kind !== 'task'), ...listed].map((a) => {
    const restarts = a.instances > 1 ? ` (${a.instances} instances)` : '';
    // Text the swarm did not write (an error, an output) goes in escaped, as in every table.
    return [cellText(truncate(a.actorId, 48)), a.kind, a.state, a.lastSeq, attempts(a), cellText(truncate(detail(a) + restarts, 70))];
  });
  let text = renderTable(['actor', 'kind', 'state', 'last seq', 'attempts', 'detail'], rows);
  if (listed.length < tasks.length) {
    const byState = new Map<string, number>();
    for (const a of tasks) byState.set(a.state, (byState.get(a.state) ?? 0) + 1);
    const counts = [...byState].map(([s, n]) => `${n} ${s}`).join(', ');
    text += `\n${tasks.length} task actors: ${counts}${listed.length > 0 ? `; ${listed.length} unsettled ones listed` : ''} (--json lists all).`;
  }
  return text;
}

function attempts(a: SimulatedActor): string {
  return a.kind === 'task' && a.context ? String(a.context.attempt ?? '') : '';
}

function detail(a: SimulatedActor): string {
  const c = a.context;
  if (!c) return '(context not in this run\'s journal)';
  if (a.kind === 'coordinator') {
    return `${c.settled}/${c.total} settled, ${c.succeeded} succeeded${c.cancelReason ? `; cancelled: ${c.cancelReason}` : ''}`;
  }
  const error = c.error as { message?: string } | null;
  if (error?.message) return error.message;
  if (c.skippedBecause) return `skipped because "${String(c.skippedBecause)}" did not succeed`;
  const node = c.node ? `on ${String(c.node)}` : '';
  const output = describeValue(c.output);
  return [node, output && `output ${output}`, c.reusedFrom ? `reused from ${String(c.reusedFrom)}` : ''].filter(Boolean).join(', ');
}
