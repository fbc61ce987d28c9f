import type { CommandLine } from '../src/command-line.ts';
import { RunStateConflictError } from '../src/errors.ts';
import type { LoadedManifest } from '../src/manifest/types.ts';
import { planReplay, type ReplayOptions, type ReplayPlan } from '../src/replay-plan.ts';
import { interruption, resumeHint } from '../src/run-liveness.ts';
import { isFinishedRun, type SwarmStore } from '../src/store/types.ts';
import { heldElsewhereAdvice } from './active-run-conflict.ts';
import { compensationUnderway } from './run-takeup.ts';
import { loadStoredRun, type StoredRun } from './stored-run.ts';

/** A replay worked out from the stored run, ready to start. */
export interface PlannedReplay {
  original: StoredRun;
  loaded: LoadedManifest;
  plan: ReplayPlan;
}

/**
 * What a replay of the stored run `runId` would reuse and run again: with its own manifest, or
 * `options.manifest` (an edited one). Reads the run once; nothing starts. Refused while another
 * process hosts the run (its lease is held): what it has in flight would run in both, and what
 * it is rolling back would be reused; so is an interrupted run that was rolling back. Another
 * interrupted run (its process gone) may be replayed.
 */
export function planStoredReplay(
  store: SwarmStore,
  runId: string,
  options: ReplayOptions & { manifest?: LoadedManifest; commandLine: CommandLine },
): PlannedReplay {
  const original = loadStoredRun(store, runId);
  const { run, tasks } = original;
  if (!isFinishedRun(run.status)) {
    const why = interruption(store, run);
    const rollingBack = compensationUnderway(store, runId, tasks) !== null;
    if (why === null) {
      throw new RunStateConflictError(`Run ${runId} is ${run.status} in another process, which holds it: ${heldElsewhereAdvice(runId, rollingBack, 'replay')}.`);
    }
    // What its compensation has left to undo succeeded, and a replay would reuse it, undone or not.
    if (rollingBack) {
      const resume = resumeHint(runId, why, options.commandLine(['run', '--resume', runId]));
      throw new RunStateConflictError(`Run ${runId} was rolling back when its process stopped: ${resume}, which finishes its rollbacks; replay it once it has.`);
    }
  }
  const loaded = options.manifest ?? original.loaded;
  return { original, loaded, plan: planReplay(original.loaded.manifest, original.tasks, loaded.manifest, options) };
}
