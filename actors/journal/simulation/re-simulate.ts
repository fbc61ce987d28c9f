import { taskMachine, type TaskInput } from '../../../machines/task-machine.ts';
import type { Manifest } from '../../../src/manifest/types.ts';
import { taskMessages } from '../../../src/messages.ts';
import type { ActorKind, RunPatch, TaskPatch, TransitionRecord } from '../../../src/store/types.ts';
import { outlivesRuns } from '../../../src/store/validation.ts';
import { coordinatorInput, symbolOfTaskActor, TaskInputShapes } from './actor-inputs.ts';
import { replayCoordinator, type Settlement } from './coordinator-replay.ts';
import { firstDivergence, JournalDivergenceError, type DivergencePoint } from './journal-divergence.ts';
import { checkProcessActors } from './process-actors.ts';
import {
  applyPatch,
  compareRun,
  compareTask,
  createdRun,
  createdTask,
  runProjection,
  tagOf,
  taskProjection,
  type StoredRun,
  type StoredTask,
} from './projection-check.ts';
import { PureMachine } from './pure-machine.ts';
import { simulateTasks, type SharingStats, type TaskInstance } from './task-trajectories.ts';

/** A run's journal as recorded: what re-simulation starts from (also the fixtures' format). */
export interface RecordedRun {
  runId: string;
  /** The run's manifest as deployed (stored with the run). */
  manifest: Manifest;
  /** The run's transitions, ordered by seq. */
  transitions: readonly TransitionRecord[];
  /** The stored projections to compare with; without them only the transitions are checked. */
  stored?: { run: StoredRun; tasks: readonly StoredTask[] };
}

export interface SimulateOptions {
  /** Replay only the rows with seq ≤ at, and show the state there (nothing compared with the projections). */
  at?: number;
  /** Trajectory sharing (see task-trajectories.ts); default true. false re-simulates every actor on its own. */
  share?: boolean;
  /** The retry backoff the tasks' context shows (the dispatcher's config; it changes no state). */
  backoff?: TaskInput['backoff'];
}

/** One actor as of the cut: its latest instance's state (and context, where it is rebuilt). */
export interface SimulatedActor {
  actorId: string;
  kind: ActorKind;
  state: string;
  /** Its last row replayed. */
  lastSeq: number;
  /** Instances seen (a resumed run restarts its actors: xstate.init again). */
  instances: number;
  /** The machine's context; null for dispatcher and node actors, whose context the journal cannot rebuild. */
  context: Record<string, unknown> | null;
}

export interface SimulationReport {
  runId: string;
  at: number | null;
  /** The last row replayed, and how many rows were. */
  lastSeq: number | null;
  rows: number;
  actors: SimulatedActor[];
  /** The projections rebuilt from the simulated snapshots (tasks: those with an actor so far). */
  run: RunPatch;
  tasks: TaskPatch[];
  /** The first divergence (a row, else a projection), or null when the journal reproduces. */
  divergence: JournalDivergenceError | null;
  /** What was compared with the stored projections (null with `at`, or without stored rows). */
  compared: { tasks: number; runStatus: boolean; runCounts: boolean } | null;
  /** What could not be checked, and why. */
  notes: string[];
  sharing: SharingStats;
}

const DEFAULT_BACKOFF = { base: 500, max: 30_000 };
const TASK_CANCEL = taskMessages.cancel('').type;

/** A task's projection rebuilt from its instances, and where its latest instance is. */
interface RebuiltTask {
  patch: TaskPatch;
  lastSeq: number;
  /** The index of its latest instance. */
  latest: number;
  instances: number;
}

/**
 * Re-simulation: rebuilds every actor's state from the journal without executing anything —
 * each actor's machine (the runtime's own, with no host effects) is fed the events its rows
 * recorded, and must take exactly the recorded transitions; then the task and run projections
 * rebuilt from the simulated snapshots must equal the stored ones. Like Temporal's replay
 * tests: a change to a machine that alters recorded behaviour shows up as a divergence naming
 * the first row (or projection field) that differs.
 */
export function reSimulate(recorded: RecordedRun, options: SimulateOptions = {}): SimulationReport {
  const { runId, manifest } = recorded;
  const at = options.at ?? null;
  const all = recorded.transitions;
  const rows = at === null ? all : all.filter((r) => r.seq <= at);
  const complete = rows.length === all.length;
  const problems: (DivergencePoint | null)[] = [];
  const notes: string[] = [];

  // ---- split the journal by actor instance -------------------------------------------------
  const shapes = new TaskInputShapes(manifest, runId, options.backoff ?? DEFAULT_BACKOFF);
  const known: TaskInstance[] = [];
  const currentTask = new Map<string, TaskInstance | null>();
  const coordinatorRows: TransitionRecord[] = [];
  const processRows: TransitionRecord[] = [];
  // The transitions of one table row come together, with the same actor id: the last one
  // looked up is tried first.
  let lastActorId: string | null = null;
  let instance: TaskInstance | null | undefined;
  for (const row of rows) {
    if (row.actorKind === 'task') {
      if (row.from !== null && row.actorId !== lastActorId) instance = currentTask.get(row.actorId);
      lastActorId = row.actorId;
      if (row.from === null) {
        const name = symbolOfTaskActor(row.actorId) ?? row.actorId;
        const symbol = shapes.indexOf(name);
        if (symbol < 0) {
          problems.push(rowProblem(row, `an actor of a symbol of the run's manifest`, `${row.actorId}, which names no symbol of it`));
          currentTask.set(row.actorId, (instance = null));
          continue;
        }
        instance = { actorId: row.actorId, name, symbol, shape: shapes.shapeOf(symbol), rows: [] };
        known.push(instance);
        currentTask.set(row.actorId, instance);
      } else if (instance === null) {
        continue; // an actor of no symbol: reported at its first row
      } else if (!instance) {
        problems.push(rowProblem(row, `${row.from} -> ${row.to} (${row.event})`, 'a task actor that has not started (no xstate.init row before this one)'));
        continue;
      }
      instance.rows.push(row);
    } else if (row.actorKind === 'coordinator') {
      coordinatorRows.push(row);
    } else if (outlivesRuns(row.actorKind)) {
      processRows.push(row);
    } else {
      problems.push(rowProblem(row, 'a row of a known actor kind', `actor kind ${JSON.stringify(row.actorKind)}`));
    }
  }

  // ---- tasks --------------------------------------------------------------------------------
  const { trajectories, sharing } = simulateTasks(new PureMachine(taskMachine), known, { complete, share: options.share ?? true });
  const settlements: Settlement[] = [];
  for (let k = 0; k < known.length; k++) {
    const { rows: instanceRows, name } = known[k];
    const t = trajectories[k];
    if (t.mismatch) problems.push(rowProblem(instanceRows[t.mismatch.index], t.mismatch.expected, t.mismatch.got));
    for (const s of t.settlements) {
      const row = instanceRows[s.index];
      settlements.push({ seq: row.seq, task: name, status: s.status, ...(row.event === TASK_CANCEL && { byCancel: true }) });
    }
  }
  settlements.sort((a, b) => a.seq - b.seq);

  // ---- the coordinator, told of the settlements ---------------------------------------------
  const coordinator = replayCoordinator(coordinatorRows, settlements, coordinatorInput(manifest, runId), complete);
  if (coordinator.mismatch) problems.push(rowProblem(coordinator.mismatch.row, coordinator.mismatch.expected, coordinator.mismatch.got));

  // ---- dispatcher and nodes -----------------------------------------------------------------
  const processes = checkProcessActors(processRows, complete);
  if (processes.mismatch) problems.push(rowProblem(processes.mismatch.row, processes.mismatch.expected, processes.mismatch.got));
  if (processRows.length > 0) {
    notes.push('dispatcher and node actors: each row checked on its own (their counters and rows of other runs are not in this journal); their context is not rebuilt');
  }

  // ---- projections --------------------------------------------------------------------------
  // A task's row: as created, then each of its instances' last projection applied in order.
  // By symbol index; `taskOrder` lists the symbols in the order their first instance started.
  const byTask: (RebuiltTask | undefined)[] = new Array(manifest.symbols.length);
  const taskOrder: number[] = [];
  const scratch = tagOf('', 'task', runId, []);
  for (let k = 0; k < known.length; k++) {
    const instance = known[k];
    const t = trajectories[k];
    const replayed = Math.max(1, t.replayed);
    const tag = tagOf(instance.actorId, 'task', runId, instance.rows, replayed, scratch);
    const projection = taskProjection(t.value, t.context, tag);
    let entry = byTask[instance.symbol];
    if (!entry) {
      byTask[instance.symbol] = entry = { patch: applyPatch(createdTask(runId, instance.name), projection), lastSeq: 0, latest: k, instances: 0 };
      taskOrder.push(instance.symbol);
    } else {
      applyPatch(entry.patch, projection);
    }
    entry.lastSeq = instance.rows[replayed - 1].seq;
    entry.latest = k;
    entry.instances++;
  }
  const runRow = createdRun(runId);
  for (const c of coordinator.instances) applyPatch(runRow, runProjection(c.value, c.context, tagOf(c.rows[0].actorId, 'coordinator', runId, c.rows)));

  const actors: SimulatedActor[] = [];
  const lastCoordinator = coordinator.instances.at(-1);
  if (lastCoordinator) {
    actors.push({
      actorId: lastCoordinator.rows[0].actorId,
      kind: 'coordinator',
      state: lastCoordinator.value,
      lastSeq: lastCoordinator.rows.at(-1)!.seq,
      instances: coordinator.instances.length,
      context: lastCoordinator.context as unknown as Record<string, unknown>,
    });
  }
  for (const p of processes.states) actors.push({ ...p, instances: 1, context: null });
  for (const symbol of taskOrder) {
    const entry = byTask[symbol]!;
    const t = trajectories[entry.latest];
    actors.push({
      actorId: known[entry.latest].actorId,
      kind: 'task',
      state: t.value,
      lastSeq: entry.lastSeq,
      instances: entry.instances,
      context: t.context as unknown as Record<string, unknown>,
    });
  }

  // ---- compare with the stored projections --------------------------------------------------
  let compared: SimulationReport['compared'] = null;
  if (at === null && recorded.stored) {
    const storedTasks = recorded.stored.tasks;
    let byName: Map<string, StoredTask> | null = null;
    let taskCount = 0;
    for (let i = 0; i < manifest.symbols.length; i++) {
      const name = manifest.symbols[i].name;
      // Stored in manifest order; look up by name only if not.
      let stored: StoredTask | undefined = storedTasks[i];
      if (stored?.name !== name) stored = (byName ??= new Map(storedTasks.map((t) => [t.name, t]))).get(name);
      const rebuilt = byTask[i];
      const problem = compareTask(rebuilt?.patch ?? createdTask(runId, name), stored, rebuilt?.lastSeq ?? null);
      taskCount++;
      if (problem) {
        problems.push(problem);
        break;
      }
    }
    const ended = lastCoordinator?.snapshot.status === 'done';
    if (!ended) {
      notes.push('the run has not ended: its counts (completedTasks, failedTasks) are not compared, since settlements in flight when it stopped are not journaled');
    }
    problems.push(compareRun(runRow, recorded.stored.run, ended, lastCoordinator?.rows.at(-1)?.seq ?? null));
    compared = { tasks: taskCount, runStatus: true, runCounts: ended };
  }
  if (coordinator.undelivered > 0) {
    notes.push(
      `${coordinator.undelivered} task settlement(s) were never counted by the coordinator: where it ended it does not take them, or counting them would change its state with no row saying so`,
    );
  }

  const first = firstDivergence(problems);
  return {
    runId,
    at,
    lastSeq: rows.at(-1)?.seq ?? null,
    rows: rows.length,
    actors,
    run: runRow,
    tasks: taskOrder.map((symbol) => byTask[symbol]!.patch),
    divergence: first ? new JournalDivergenceError(first) : null,
    compared,
    notes,
    sharing,
  };
}

/** reSimulate, throwing the JournalDivergenceError if the journal does not reproduce. */
export function assertJournalReproduces(recorded: RecordedRun, options: SimulateOptions = {}): SimulationReport {
  const report = reSimulate(recorded, options);
  if (report.divergence) throw report.divergence;
  return report;
}

function rowProblem(row: TransitionRecord, expected: string, got: string): DivergencePoint {
  return { kind: 'transition', seq: row.seq, actorId: row.actorId, event: row.event, field: null, expected, got };
}
