import { SwarmError } from '../errors.ts';
import { outcomeOf, type RunOutcome, type RunResult } from '../run-result.ts';
import { isFinishedRun, type RunStatus } from '../store/types.ts';
import type { RunProgressView } from '../server/run-registry.ts';
import { DispatcherError, type DispatcherClient } from './dispatcher-client.ts';
import { exitNow, out } from './exit.ts';
import { printJson } from './output.ts';
import { RunProgress, type ProgressSample } from './progress.ts';
import { onStopSignals, type StopSignal } from './signals.ts';
import { finishedRunText, rolledBackCount } from './finished-run.ts';
import type { RunJournalDetail } from '../run-journal-detail.ts';

const POLL_MS = 200;
/** How long the dispatcher may stay silent while a run is followed before the follower gives up (exit 3). */
const LOST_AFTER_MS = 5_000;

/**
 * Follows a run on the dispatcher to its end — `swarm deploy`, a remote `swarm replay` — with
 * progress on a terminal, then prints the same table and line as `swarm run` (the RunResult
 * with --json). Exit 0 succeeded, 1 failed or cancelled. Ctrl-C stops following (exit 1); the
 * run goes on on the dispatcher.
 */
export async function followRemoteRun(
  client: DispatcherClient,
  runId: string,
  view: { name: string; total: number; json: boolean; showProgress: boolean; quiet?: boolean; success?: RunStatus; since?: number },
): Promise<number> {
  const { json } = view;

  let latest: ProgressSample = { settled: 0, total: view.total, running: 0, failed: 0 };
  const progress = view.showProgress ? new RunProgress(view.name, () => latest) : undefined;
  let interrupted: StopSignal | undefined;
  onStopSignals({
    first: (signal) => void (interrupted = signal),
    second: () => exitNow(1),
  });

  progress?.start();
  try {
    await follow(client, runId, (view) => {
      latest = { settled: view.settledTasks, total: view.totalTasks, running: view.runningTasks, failed: view.failedTasks, ...(view.activeTasks && { active: view.activeTasks }) };
    }, () => interrupted);
  } finally {
    progress?.stop();
  }
  const path = `/api/runs/${encodeURIComponent(runId)}`;
  if (json) {
    const result = await client.get<RunResult>(path);
    await printJson(result);
    return result.status === (view.success ?? 'succeeded') ? 0 : 1;
  }
  // A rollback's own time and each task's, from the journal (see finishedRunText), for a run
  // rolled back or with tasks that did not succeed (a task whose retry a cancel cut short is
  // timed by its attempts). Those count as failed, so the last view says whether to ask for
  // the journal with the outcome: one request, not a second one to add it.
  const rollbacks = (o: RunOutcome) => view.success === 'rolled_back' || rolledBackCount(o) > 0;
  const asked = view.success === 'rolled_back' || latest.failed > 0;
  let outcome = await readOutcome(client, path, asked);
  if (!asked && rollbacks(outcome)) outcome = await readOutcome(client, path, true);
  const { journal, ...rest } = outcome;
  // `swarm show` here would read this host's database, not the dispatcher's: its page instead.
  await out(
    finishedRunText(rest, {
      ...(view.since !== undefined && { since: view.since }),
      details: client.runPage(runId),
      everyTask: `GET ${client.runRoute(runId)}`,
      everyRollback: `swarm show ${runId} --json --attempts on the dispatcher's host`,
      quiet: view.quiet === true,
      ...(journal && { detail: journal }),
    }),
  );
  return outcome.status === (view.success ?? 'succeeded') ? 0 : 1;
}

/**
 * The run's outcome, with the journal's detail when asked for (a dispatcher older than that
 * leaves it out); from a dispatcher older than its /outcome route, made from the whole result.
 */
async function readOutcome(client: DispatcherClient, path: string, journal: boolean): Promise<RunOutcome & { journal?: RunJournalDetail }> {
  try {
    return await client.get<RunOutcome & { journal?: RunJournalDetail }>(`${path}/outcome${journal ? '?journal=1' : ''}`);
  } catch (error) {
    if (!(error instanceof DispatcherError && error.status === 404)) throw error;
    return outcomeOf(await client.get<RunResult>(path)); // a run that is not there fails here too
  }
}

/**
 * Polls the run's progress about five times a second until it has ended. Short silences are
 * ridden out (a busy dispatcher, a restart of the network); LOST_AFTER_MS of them end it.
 */
async function follow(
  client: DispatcherClient,
  runId: string,
  onProgress: (view: RunProgressView) => void,
  interrupted: () => StopSignal | undefined,
): Promise<void> {
  let silentSince: number | undefined;
  for (;;) {
    const signal = interrupted();
    if (signal) {
      throw new SwarmError('FOLLOW_STOPPED', `stopped following run ${runId} (${signal}); the run was not cancelled and goes on on the dispatcher: ${client.runPage(runId)}`);
    }
    try {
      const view = await client.get<RunProgressView>(`/api/runs/${encodeURIComponent(runId)}/progress`);
      silentSince = undefined;
      onProgress(view);
      if (isFinishedRun(view.status)) return;
    } catch (error) {
      if (!(error instanceof SwarmError) || error.code !== 'DISPATCHER_UNREACHABLE') throw error;
      silentSince ??= Date.now();
      if (Date.now() - silentSince > LOST_AFTER_MS) {
        throw new SwarmError(
          'DISPATCHER_UNREACHABLE',
          `lost the dispatcher at ${client.url} while following run ${runId}; its state is in the dispatcher's database (on its host: swarm show ${runId} with the dispatcher's config)`,
          { cause: error },
        );
      }
    }
    await Bun.sleep(POLL_MS);
  }
}
