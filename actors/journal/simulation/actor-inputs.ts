import type { CoordinatorInput } from '../../../machines/coordinator-machine.ts';
import type { TaskInput } from '../../../machines/task-machine.ts';
import type { Manifest } from '../../../src/manifest/types.ts';
import { coordinatorInputOf, rollbackTimeoutOf, taskInputOf } from '../../run-inputs.ts';

/**
 * The input each run-scoped actor was created with, rebuilt from the run's manifest as deployed
 * (stored with the run, defaults filled in) — the journal's `xstate.init` rows do not carry it —
 * with the same builders the run coordinator uses (actors/run-inputs.ts).
 *
 * `backoff` comes from the dispatcher's config, which is stored nowhere: it only sizes the
 * delay before a retry, which never fires by itself in a re-simulation, so it cannot change a
 * state; it shows in a task's context only.
 */
/** What a symbol's task actors get as input, but their name: shared by symbols that get the same. */
export interface InputShape {
  /** The same number for the same shape. */
  id: number;
  fields: Omit<TaskInput, 'name'>;
}

/**
 * The symbols of a run's manifest, found by name, and the input shape of each: what
 * re-simulation looks up at each task actor's first row.
 */
export class TaskInputShapes {
  private readonly byKey = new Map<string, InputShape>();
  private readonly ofSymbol: (InputShape | undefined)[];
  private byName: Map<string, number> | null = null;
  private next = 0;

  constructor(
    private readonly manifest: Manifest,
    private readonly runId: string,
    private readonly backoff: TaskInput['backoff'],
  ) {
    this.ofSymbol = new Array(manifest.symbols.length);
  }

  /** The index of the symbol named `name` in the manifest, or -1 if it has none. */
  indexOf(name: string): number {
    const symbols = this.manifest.symbols;
    // Task actors mostly start in manifest order (all of a flat run's do): the symbol after
    // the last one found is tried before a map of every name is built (100k names: ~0.1 s).
    const guess = this.next;
    if (guess < symbols.length && symbols[guess].name === name) {
      this.next = guess + 1;
      return guess;
    }
    if (this.byName === null) {
      this.byName = new Map();
      for (let i = 0; i < symbols.length; i++) this.byName.set(symbols[i].name, i);
    }
    const index = this.byName.get(name);
    if (index === undefined) return -1;
    this.next = index + 1;
    return index;
  }

  /** The input shape of the symbol at `index`: the same object for symbols that get the same input. */
  shapeOf(index: number): InputShape {
    const known = this.ofSymbol[index];
    if (known) return known;
    const spec = this.manifest.symbols[index];
    // Every field of the input but the name (runId and backoff are the run's), as a key.
    const key = `${spec.retries}\u0001${spec.timeout}\u0001${rollbackTimeoutOf(this.manifest, spec)}`;
    let shape = this.byKey.get(key);
    if (!shape) {
      const { name: _name, ...fields } = taskInputOf(this.runId, this.manifest, spec, this.backoff);
      shape = { id: this.byKey.size, fields };
      this.byKey.set(key, shape);
    }
    return (this.ofSymbol[index] = shape);
  }
}

export function taskInput(shape: InputShape, name: string): TaskInput {
  return { ...shape.fields, name };
}

export function coordinatorInput(manifest: Manifest, runId: string): CoordinatorInput {
  return coordinatorInputOf(runId, manifest);
}

/**
 * The input an `xstate.init` row carries, if the recorder ever stores it (see the note on
 * journal gaps in docs/architecture.md); it then wins over the rebuilt one.
 */
export function recordedInput(payload: unknown): unknown {
  return payload !== null && typeof payload === 'object' && 'input' in payload ? (payload as { input: unknown }).input : undefined;
}

/** The symbol name in a task actor id (`task:NAME`), or null for another id. */
export function symbolOfTaskActor(actorId: string): string | null {
  return actorId.startsWith('task:') ? actorId.slice('task:'.length) : null;
}
