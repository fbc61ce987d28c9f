import { OFF_NODE_TASK_STATES, TERMINAL_TASK_STATES } from '../machines/task-machine.ts';
import { everythingOf, type RunsOf } from '../src/backend-use.ts';
import type { CommandLine } from '../src/command-line.ts';
import type { Manifest, SymbolSpec } from '../src/manifest/types.ts';
import { RunNotFoundError, UsageError } from '../src/errors.ts';
import type { CompensationReason } from '../src/messages.ts';
import { interruption, resumeHint } from '../src/run-liveness.ts';
import { readActorsJournal } from '../src/store/bulk-journal-reader.ts';
import { isFinishedRun, type RunStatus, type SwarmStore, type TaskRecord, type TaskStatus } from '../src/store/types.ts';
import { heldElsewhereAdvice } from './active-run-conflict.ts';
import type { RunCustody } from './leases/run-custody.ts';
import type { Takeover } from './leases/run-takeover.ts';
import { compensationPlan, describeLeft, replayedRunKept } from './run-compensation.ts';
import { countByStatus, type CompensationStart } from './run-start.ts';
import { loadStoredRun, type StoredRun } from './stored-run.ts';

/**
 * What a dispatcher checks, claims and reads before it takes up a run it did not start: an
 * unfinished run to resume (Dispatcher.resume), a finished one to roll back (Dispatcher.rollback).
 */

/**
 * Claims an unfinished run's lease (refused while its owner holds it), then reads it. The read
 * comes after the claim: from then on nothing the previous owner sends for the run is written
 * (its commits are fenced), so what is read is final — a task it finished just before the claim
 * is read as succeeded, and never runs again.
 */
export function takeUpToResume(store: SwarmStore, custody: RunCustody, runId: string): StoredRun & { takeover: Takeover } {
  const listing = store.getRunListing(runId);
  if (!listing) throw new RunNotFoundError(runId);
  if (!unfinished(listing.status)) throw notResumable(runId, listing.status);
  const takeover = custody.claim(runId);
  try {
    const stored = loadStoredRun(store, runId);
    // It finished between the check above and the claim.
    if (!unfinished(stored.run.status)) throw notResumable(runId, stored.run.status);
    return { ...stored, takeover };
  } catch (err) {
    custody.release(runId);
    throw err;
  }
}

const ON_A_NODE: ReadonlySet<TaskStatus> = new Set(['assigned', 'running']);
/** What a cancel settles at once (RunCoordinator.cancelOutstanding). */
const WAITING: ReadonlySet<TaskStatus> = new Set(OFF_NODE_TASK_STATES);

/**
 * Whether a run taken up was being cancelled when its process stopped. A cancel settles every
 * task not on a node in the commit that records it, so a cancelled task says so. With none, only
 * a run whose unfinished tasks were all on nodes (given the grace period to end) may have been:
 * its coordinator's last row says. Read only then, as it scans the run's journal.
 */
export function wasBeingCancelled(store: SwarmStore, runId: string, tasks: readonly TaskRecord[]): boolean {
  if (tasks.some((t) => t.status === 'cancelled')) return true;
  if (tasks.some((t) => WAITING.has(t.status)) || !tasks.some((t) => ON_A_NODE.has(t.status))) return false;
  return readActorsJournal(store, runId, [`coordinator:${runId}`]).at(-1)?.to === 'cancelling';
}

const TERMINAL: ReadonlySet<TaskStatus> = new Set(TERMINAL_TASK_STATES);
/** Where a compensation leaves a task it has begun (it had succeeded). */
const COMPENSATED: ReadonlySet<TaskStatus> = new Set(['rolling_back', 'rolled_back', 'rollback_failed', 'cancelled']);
/** How a compensation that did not undo its task ends it. */
const NOT_UNDONE: ReadonlySet<TaskStatus> = new Set(['rollback_failed', 'cancelled']);

/**
 * What taking up `runId` may still dispatch of each symbol (`swarm run --resume` refuses a run
 * this host cannot finish: src/backend-use.ts): the tasks not settled, with their own
 * rollbacks; a rollback under way; and the rollbacks of those that succeeded, in a compensation
 * under way or, under `saga`, while a task left may still fail.
 */
export function leftToRun(store: SwarmStore, runId: string): { manifest: Manifest; runs: (symbol: SymbolSpec) => RunsOf } {
  const { loaded, tasks } = loadStoredRun(store, runId);
  const statusOf = new Map(tasks.map((t) => [t.name, t.status]));
  const compensating = compensationUnderway(store, runId, tasks) !== null;
  const left = tasks.some((t) => !TERMINAL.has(t.status));
  const saga = loaded.manifest.rollback_policy === 'saga';
  const everything = everythingOf(loaded.manifest);
  const runs = (symbol: SymbolSpec): RunsOf => {
    const status = statusOf.get(symbol.name) ?? 'pending';
    if (status === 'rolling_back') return { symbol: false, rollback: true };
    if (!TERMINAL.has(status)) return everything;
    return { symbol: false, rollback: status === 'succeeded' && (compensating || (left && saga)) };
  };
  return { manifest: loaded.manifest, runs };
}

/**
 * The compensation a run taken up was in the middle of (a saga's after its failure, or a rollback
 * by request), or null: it goes on from there, not as a run (Dispatcher.resume). A compensation
 * begins once every task has settled and takes them through rolling_back one at a time, so only
 * such a run is looked at; its coordinator's last row says, and says why. The tasks it had begun
 * are those whose rows follow that one: counted as what they were when it began (succeeded), and
 * as failed compensations where they were not undone.
 */
export function compensationUnderway(store: SwarmStore, runId: string, tasks: readonly TaskRecord[]): CompensationStart | null {
  if (tasks.some((t) => !TERMINAL.has(t.status) && t.status !== 'rolling_back')) return null;
  const coordinatorId = `coordinator:${runId}`;
  const began = readActorsJournal(store, runId, [coordinatorId]).at(-1);
  if (began?.to !== 'compensating') return null;
  // A saga's begins on the last task settling; a rollback by request, or one taken up, on run.compensate.
  const why = began.event === 'run.compensate' ? ((began.payload as { why?: CompensationReason } | null)?.why ?? 'request') : 'failure';
  const touched = tasks.filter((t) => COMPENSATED.has(t.status));
  const begun = new Set<string>();
  for (const row of readActorsJournal(store, runId, touched.map((t) => `task:${t.name}`))) {
    if (row.seq > began.seq) begun.add(row.actorId.slice('task:'.length));
  }
  let failed = 0;
  const asItWas = tasks.map((t) => {
    if (!begun.has(t.name)) return t;
    if (NOT_UNDONE.has(t.status)) failed++;
    return { status: 'succeeded' as const };
  });
  return { why, settled: countByStatus(asItWas), failed };
}

/**
 * Reads a finished run to compensate by hand and claims its lease; UsageError when there is
 * nothing to do. `commandLine` writes the commands its hints name (DispatcherOptions).
 */
export function takeUpToRollBack(store: SwarmStore, custody: RunCustody, runId: string, commandLine?: CommandLine): StoredRun {
  const stored = loadStoredRun(store, runId);
  const { run, loaded, tasks } = stored;
  if (!isFinishedRun(run.status)) {
    const interrupted = interruption(store, run);
    const resume = commandLine?.(['run', '--resume', runId]);
    // Rolling back already (a rollback is not cancelled): the advice for a run is not for it.
    const rollingBack = compensationUnderway(store, runId, tasks) !== null;
    const next = !interrupted
      ? heldElsewhereAdvice(runId, rollingBack, 'rollback')
      : rollingBack
        ? `it was rolling back when its process stopped: ${resumeHint(runId, interrupted, resume)}, which finishes its rollbacks`
        : `it is interrupted: ${resumeHint(runId, interrupted, resume)}; once it has finished (Ctrl-C there cancels it), roll it back`;
    throw new UsageError(`Run ${runId} is ${run.status}: ${next}.`);
  }
  if (run.status === 'rolled_back') throw new UsageError(`Run ${runId} is rolled back already.`);
  const plan = compensationPlan(run, loaded.manifest, tasks, replayedRunKept(store, run), commandLine);
  if (plan.undo.length === 0) {
    const why = plan.left.length === 0 ? 'none of its symbols succeeded' : describeLeft(plan.left);
    throw new UsageError(`Run ${runId} has nothing to roll back: ${why}.`);
  }
  custody.claimFinished(runId);
  return stored;
}

function unfinished(status: RunStatus): boolean {
  return status === 'running' || status === 'paused';
}

function notResumable(runId: string, status: RunStatus): UsageError {
  return new UsageError(`Run ${runId} is ${status}; only an unfinished run can be resumed (replay it instead).`);
}
