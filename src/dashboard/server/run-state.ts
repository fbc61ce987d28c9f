import { reSimulate } from '../../../actors/journal/simulation/re-simulate.ts';
import type { Manifest } from '../../manifest/types.ts';
import type { CommandLine } from '../../command-line.ts';
import { clampSeq } from '../../journal-view.ts';
import { interruption } from '../../run-liveness.ts';
import { readRunProgress } from '../../store/bulk-journal-reader.ts';
import type { JournalCache } from './journal-cache.ts';
import type { RunListing, RunRecord, SwarmStore } from '../../store/types.ts';
import type { RunState, TaskState } from '../wire.ts';

/**
 * GET /api/runs/:id/state[?at=SEQ]: every task's state, the run's, and the journal's range, for
 * the DAG, the counts and the time slider. Now (no `at`): the stored projections, read in the
 * same read transaction as the journal, so `lastSeq` is exactly the row they include — the page
 * then applies the rows the live socket sends after it. At a seq: the real machines rebuild
 * every actor from the rows up to it (re-simulation), as `swarm replay --simulate --at` does.
 */

/**
 * What a view at a seq cannot show exactly, because the journal does not hold it
 * (docs/architecture.md, "Not compared"): said on the page beside the cursor, not guessed.
 */
export const NOT_REBUILT: readonly string[] = [
  'Workers are not journaled: the Nodes page shows them as they are now.',
  'Retry backoff in a task\'s context is this dispatcher\'s configured one: the journal does not store it.',
];

export interface Backoff {
  base: number;
  max: number;
}

/** `commandLine`: how this server's hints name its config and database (as it was started). */
export function runStateNow(store: SwarmStore, run: RunListing, commandLine: CommandLine): RunState {
  const progress = readRunProgress(store, run.id);
  const why = interruption(store, { id: run.id, status: progress.run?.status ?? run.status });
  return {
    runId: run.id,
    at: null,
    firstSeq: progress.firstSeq,
    lastSeq: progress.lastSeq,
    rows: progress.rows,
    runState: progress.run?.status ?? run.status,
    interrupted: why !== null,
    ...(why && { interruption: why, resumeCommand: commandLine(['run', '--resume', run.id]) }),
    tasks: progress.tasks.map((t) => ({ name: t.name, state: t.status, attempts: t.attempts, node: t.node })),
    divergence: null,
    notRebuilt: [],
  };
}

export function runStateAt(store: SwarmStore, journals: JournalCache, run: RunRecord, at: number, backoff: Backoff): RunState {
  const rows = journals.rows(store, run.id);
  const manifest = run.manifest as Manifest;
  const report = reSimulate({ runId: run.id, manifest, transitions: rows }, { at: clampSeq(at, rows[0]?.seq ?? null, rows.at(-1)?.seq ?? null), backoff });
  const tasks = new Map<string, TaskState>(manifest.symbols.map((s) => [s.name, { name: s.name, state: 'pending', attempts: 0, node: null }]));
  let runState = 'idle';
  for (const actor of report.actors) {
    if (actor.kind === 'coordinator') runState = actor.state;
    if (actor.kind !== 'task') continue;
    const task = tasks.get(actor.actorId.slice('task:'.length));
    if (!task) continue;
    task.state = actor.state;
    const context = actor.context ?? {};
    if (typeof context.attempt === 'number') task.attempts = context.attempt;
    if (typeof context.node === 'string') task.node = context.node;
  }
  return {
    runId: run.id,
    at: report.lastSeq,
    firstSeq: rows[0]?.seq ?? null,
    lastSeq: rows.at(-1)?.seq ?? null,
    rows: rows.length,
    runState,
    interrupted: false,
    tasks: [...tasks.values()],
    divergence: report.divergence?.message ?? null,
    notRebuilt: NOT_REBUILT,
  };
}
