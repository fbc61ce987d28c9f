import { reSimulate } from '../../../actors/journal/simulation/re-simulate.ts';
import type { Manifest } from '../../manifest/types.ts';
import { readRunJournal } from '../../store/bulk-journal-reader.ts';
import type { RunRecord, SwarmStore } from '../../store/types.ts';

/**
 * GET /api/runs/:id/state[?at=SEQ]: every task's state, the run's, and the journal's range, for
 * the DAG, the counts and the time slider. Now (no `at`): the stored projections, read in the
 * same read transaction as the journal, so `lastSeq` is exactly the row they include — the page
 * then applies the rows the live socket sends after it. At a seq: the real machines rebuild
 * every actor from the rows up to it (re-simulation), as `swarm replay --simulate --at` does.
 */

export interface TaskState {
  name: string;
  state: string;
  attempts: number;
  node: string | null;
}

export interface RunState {
  runId: string;
  /** The seq asked for (clamped to the journal), or null for now. */
  at: number | null;
  firstSeq: number | null;
  lastSeq: number | null;
  /** How many journal rows the run has (the slider's steps). */
  rows: number;
  runState: string;
  tasks: TaskState[];
  /** When re-simulation at `at` did not reproduce the journal: its first difference. */
  divergence: string | null;
}

export interface Backoff {
  base: number;
  max: number;
}

export function runStateNow(store: SwarmStore, run: RunRecord): RunState {
  const journal = readRunJournal(store, run.id);
  const rows = journal.transitions;
  return {
    runId: run.id,
    at: null,
    firstSeq: rows[0]?.seq ?? null,
    lastSeq: rows.at(-1)?.seq ?? null,
    rows: rows.length,
    runState: journal.run?.status ?? run.status,
    tasks: journal.tasks.map((t) => ({ name: t.name, state: t.status, attempts: t.attempts, node: t.node })),
    divergence: null,
  };
}

export function runStateAt(store: SwarmStore, run: RunRecord, at: number, backoff: Backoff): RunState {
  const rows = readRunJournal(store, run.id).transitions;
  const manifest = run.manifest as Manifest;
  const report = reSimulate({ runId: run.id, manifest, transitions: rows }, { at, backoff });
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
    tasks: [...tasks.values()],
    divergence: report.divergence?.message ?? null,
  };
}
