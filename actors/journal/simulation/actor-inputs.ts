import type { CoordinatorInput } from '../../../machines/coordinator-machine.ts';
import type { TaskInput } from '../../../machines/task-machine.ts';
import type { Manifest } from '../../../src/manifest/types.ts';
import { coordinatorInputOf, taskInputOf } from '../../run-inputs.ts';

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

/** The input shape of each symbol of the manifest, by name. */
export function taskInputShapes(manifest: Manifest, runId: string, backoff: TaskInput['backoff']): Map<string, InputShape> {
  const shapes = new Map<string, InputShape>();
  const bySymbol = new Map<string, InputShape>();
  for (const spec of manifest.symbols) {
    const { name: _name, ...fields } = taskInputOf(runId, manifest, spec, backoff);
    // Every field but the name, and the key made of exactly those (runId and backoff are the run's).
    const key = `${fields.retries}\u0001${fields.timeout}\u0001${fields.rollbackTimeout}`;
    let shape = shapes.get(key);
    if (!shape) {
      shape = { id: shapes.size, fields };
      shapes.set(key, shape);
    }
    bySymbol.set(spec.name, shape);
  }
  return bySymbol;
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
