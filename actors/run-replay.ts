import type { LoadedManifest } from '../src/manifest/types.ts';
import { planReplay, type ReplayOptions, type ReplayPlan } from '../src/replay-plan.ts';
import type { SwarmStore } from '../src/store/types.ts';
import { loadStoredRun, type StoredRun } from './stored-run.ts';

/** A replay worked out from the stored run, ready to start. */
export interface PlannedReplay {
  original: StoredRun;
  loaded: LoadedManifest;
  plan: ReplayPlan;
}

/**
 * What a replay of the stored run `runId` would reuse and run again: with its own manifest, or
 * `options.manifest` (an edited one). Reads the run once; nothing starts.
 */
export function planStoredReplay(
  store: SwarmStore,
  runId: string,
  options: ReplayOptions & { manifest?: LoadedManifest },
): PlannedReplay {
  const original = loadStoredRun(store, runId);
  const loaded = options.manifest ?? original.loaded;
  return { original, loaded, plan: planReplay(original.loaded.manifest, original.tasks, loaded.manifest, options) };
}
