import { plainCommandLine, type CommandLine } from '../src/command-line.ts';
import { sortTopologically } from '../src/manifest/graph.ts';
import type { Manifest } from '../src/manifest/types.ts';
import { taskMessages, type TaskMessage } from '../src/messages.ts';
import type { RunGraph } from '../src/scheduling/run-graph.ts';
import { readActorsJournal } from '../src/store/bulk-journal-reader.ts';
import type { RunRecord, SwarmStore, TaskRecord, TaskStatus } from '../src/store/types.ts';
import { rollbackTimeoutOf } from './run-inputs.ts';

/** What a compensated task had done: its rollback gets its output, the row keeps the rest. */
export interface CompensatedTask {
  index: number;
  output: unknown;
  attempts: number;
  node: string | null;
}

/**
 * Undoes a run's succeeded symbols (saga, or `swarm rollback`): their rollbacks run one at a
 * time, newest first — in the reverse of the order they succeeded, so a symbol is compensated
 * only after everything that built on it. Each compensation is a task actor of its own (journaled like
 * any), started with `task.compensate`; a failed or timed-out rollback is counted and the
 * next one still runs, since leaving the rest in place would be worse.
 */
export class RunCompensation {
  private next = 0;

  constructor(
    /** Newest first (compensationOrder). */
    private readonly tasks: readonly CompensatedTask[],
    private readonly activate: (index: number, message: TaskMessage) => void,
    private readonly finish: (failed: number) => void,
    /** Compensations of this run that failed before it was taken up here. */
    private failed = 0,
  ) {}

  start(): void {
    this.step();
  }

  /** A compensation's task actor settled (rolled_back, or rollback_failed / cancelled), and that is durable. */
  settled(status: TaskStatus): void {
    if (status !== 'rolled_back') this.failed++;
    this.step();
  }

  private step(): void {
    const task = this.tasks[this.next++];
    if (!task) return this.finish(this.failed);
    this.activate(task.index, taskMessages.compensate({ output: task.output, attempts: task.attempts, node: task.node }));
  }
}

/** What rolling back a finished run will undo, and what it leaves as it is and why. */
export interface CompensationPlan {
  undo: TaskRecord[];
  left: { name: string; why: string }[];
}

/**
 * A run compensates what it did: its succeeded symbols that have a rollback. A symbol a
 * replay reused was done by an earlier run, which is the one to roll back for it; undoing it
 * here too would undo it twice. `replayedRunKept`: whether that run is still stored;
 * `commandLine`: how the reasons' hints write a command (the config and database of the one who
 * reads them).
 */
export function compensationPlan(
  run: RunRecord,
  manifest: Manifest,
  tasks: readonly TaskRecord[],
  replayedRunKept = true,
  commandLine: CommandLine = plainCommandLine,
): CompensationPlan {
  const show = commandLine(['show', run.id]);
  const specs = new Map(manifest.symbols.map((s) => [s.name, s]));
  const plan: CompensationPlan = { undo: [], left: [] };
  for (const task of tasks) {
    // What a rollback ran already is said, so that "nothing to roll back" hides neither a
    // compensation (a saga's, or one by hand that failed) nor a failed compensation.
    const why = ranRollback(task, show);
    if (why !== null) plan.left.push({ name: task.name, why });
    if (task.status !== 'succeeded') continue;
    const spec = specs.get(task.name);
    if (!spec || rollbackTimeoutOf(manifest, spec) === null) {
      plan.left.push({ name: task.name, why: manifest.rollback_policy === 'none' ? 'the workflow has rollback_policy none' : 'it has no rollback' });
    } else if (task.reused) {
      const where = replayedRunKept
        ? 'which did it: roll that run back to undo it'
        : 'which did it and has been deleted since (swarm prune): the swarm cannot undo it; undo it by hand if it must be';
      plan.left.push({ name: task.name, why: `reused from run ${run.replayOf ?? '?'}, ${where}` });
    } else {
      plan.undo.push(task);
    }
  }
  return plan;
}

/** Whether the run `run` replays (when it is a replay) is still stored, not pruned. */
export function replayedRunKept(store: SwarmStore, run: Pick<RunRecord, 'replayOf'>): boolean {
  return run.replayOf === null || store.getRunListing(run.replayOf) !== undefined;
}

/**
 * Why a task whose rollback ran is not rolled back again, or null. A compensated task succeeded
 * (no error); one with an error failed, and its own rollback ran then (`rollback_policy`).
 */
function ranRollback(task: TaskRecord, show: string): string | null {
  const failed = task.error !== null;
  if (task.status === 'rolled_back') return failed ? 'it failed, and its own rollback ran then' : 'rolled back already';
  if (task.status !== 'rollback_failed') return null;
  return failed
    ? `it failed, and its own rollback failed: undo what it did by hand (\`${show}\` has its error)`
    : `its rollback failed, and a rollback runs once: undo what it did by hand (\`${show}\` has its error)`;
}

/**
 * What a run's compensation undoes, in order, from its tasks in the store: those that succeeded
 * (a task rolling back already is one a compensation taken up had begun), less those reused
 * from another run (that run is the one to undo them), that have a rollback, newest first. Also
 * every task that succeeded, whose outputs the rollbacks' requests carry.
 */
export function compensationPlanOf(
  store: SwarmStore,
  runId: string,
  graph: RunGraph,
  hasRollback: (i: number) => boolean,
): { succeeded: TaskRecord[]; order: CompensatedTask[] } {
  const succeeded = store.getTasks(runId).filter((t) => t.status === 'succeeded' || t.status === 'rolling_back');
  const done = succeeded.filter((t) => !t.reused);
  // Newest first: when each succeeded is in the journal (a run taken up or rolled back by hand too).
  const undone = done.filter((t) => hasRollback(graph.index(t.name))).map((t) => t.name);
  return { succeeded, order: compensationOrder(graph, done, hasRollback, successSeqs(store, runId, undone)) };
}

/**
 * The succeeded tasks that have a rollback, newest first: in the reverse of the order they
 * succeeded (`successSeq`: the journal seq of each one's transition to succeeded). That is a
 * reverse dependency order too, as a dependent succeeds after its dependencies. Should a task's
 * seq be unknown (a journal that lacks it), the order is the reverse topological one instead.
 */
function compensationOrder(
  graph: RunGraph,
  succeeded: readonly TaskRecord[],
  hasRollback: (i: number) => boolean,
  successSeq: ReadonlyMap<string, number>,
): CompensatedTask[] {
  const byName = new Map(succeeded.map((t) => [t.name, t]));
  const out: (CompensatedTask & { seq: number | undefined })[] = [];
  for (const index of sortTopologically({ count: graph.size, dependenciesOf: (i) => graph.dependenciesOf(i) }).reverse()) {
    const name = graph.names.nameOf(index);
    const task = byName.get(name);
    if (task && hasRollback(index)) out.push({ index, output: task.output, attempts: task.attempts, node: task.node, seq: successSeq.get(name) });
  }
  if (out.every((t) => t.seq !== undefined)) out.sort((a, b) => b.seq! - a.seq!);
  return out.map(({ seq: _seq, ...task }) => task);
}

/**
 * When each of `names` succeeded: the journal seq of its last transition to succeeded (a
 * compensation taken up finds it in the rows of the actor that ran the task).
 */
function successSeqs(store: SwarmStore, runId: string, names: readonly string[]): Map<string, number> {
  const seqs = new Map<string, number>();
  if (names.length === 0) return seqs;
  for (const row of readActorsJournal(store, runId, names.map((n) => `task:${n}`))) {
    if (row.to === 'succeeded') seqs.set(row.actorId.slice('task:'.length), row.seq);
  }
  return seqs;
}

/** Symbols named per reason: a run of 20,000 symbols without rollbacks is not a 600 KB line. */
const NAMED_PER_REASON = 5;

/** What a rollback leaves, and why: by reason, a few names each and how many more. */
export function describeLeft(left: readonly { name: string; why: string }[]): string {
  const byWhy = new Map<string, string[]>();
  for (const { name, why } of left) {
    const names = byWhy.get(why) ?? [];
    names.push(name);
    byWhy.set(why, names);
  }
  return [...byWhy]
    .map(([why, names]) => {
      const shown = names.slice(0, NAMED_PER_REASON).map((n) => `"${n}"`).join(', ');
      return `${shown}${names.length > NAMED_PER_REASON ? ` and ${names.length - NAMED_PER_REASON} more` : ''}: ${why}`;
    })
    .join('; ');
}
