import type { ActorKind, NodeRecord, RunPatch, TaskPatch } from '../../src/store/types.ts';

/** What the journal knows about one live actor: who it is and what it last recorded. */
export interface ActorTag {
  actorId: string;
  kind: ActorKind;
  /** The run the actor belongs to; null for dispatcher and node actors (they take it from events). */
  runId: string | null;
  /** Last recorded state value, dotted; undefined until the first snapshot. */
  lastValue?: string;
  /** Time of the last recorded transition. */
  lastAt: number;
  /** When the actor first entered `running` (tasks). */
  startedAt: number | null;
  /** The latest snapshot not yet projected. */
  pending: unknown;
  /** Turns the snapshot into projection rows for this actor. */
  project: Projector;
}

export type Projection = { task?: TaskPatch; run?: RunPatch; node?: NodeRecord };
export type Projector = (snapshot: any, tag: ActorTag) => Projection;
