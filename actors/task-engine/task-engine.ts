import type { AnyStateMachine } from 'xstate';
import type { Clock } from '../../src/clock.ts';
import { taskMachine } from '../../machines/task-machine.ts';
import { compileMachine } from '../../src/statechart/compiled-machine.ts';
import type { ActorTag } from '../journal/actor-tag.ts';
import type { JournalRecorder } from '../journal/journal-recorder.ts';
import { CompiledTaskActor, type TaskActorLike } from './compiled-task-actor.ts';
import type { TaskEngineName } from './task-engines.ts';

export type TaskIdentity = Pick<ActorTag, 'actorId' | 'kind' | 'runId' | 'project'>;
export type NewTaskActor = (identity: TaskIdentity, input: unknown) => TaskActorLike;

/**
 * How a run makes its task actors, from the task machine as the run provided it:
 *
 * - `compiled` (the default): the machine is read into tables once per run (compiled-machine.ts,
 *   which refuses at once any feature it does not implement) and each task is a
 *   CompiledTaskActor — no XState actor, system or inspection per task.
 * - `xstate`: each task is a real XState actor journaled through inspection, the reference
 *   the compiled engine is held to by test/statechart/.
 */
/**
 * Fails at start-up, not at the first deploy, when the compiled engine cannot read the task
 * machine (compiled-machine.ts refuses what it does not implement). Each run compiles the
 * machine as it provides it, with the same definition.
 */
export function checkTaskEngine(engine: TaskEngineName): void {
  if (engine === 'compiled') compileMachine(taskMachine);
}

export function taskActorFactory(engine: TaskEngineName, logic: AnyStateMachine, journal: JournalRecorder, clock: Clock): NewTaskActor {
  if (engine === 'xstate') return (identity, input) => journal.createActor(logic, identity, input) as TaskActorLike;
  const compiled = compileMachine(logic);
  return (identity, input) => new CompiledTaskActor(compiled, input, journal, journal.track(identity), clock);
}
