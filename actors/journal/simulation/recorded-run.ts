import { RunNotFoundError, SwarmError } from '../../../src/errors.ts';
import type { Manifest } from '../../../src/manifest/types.ts';
import { readRunJournal } from '../../../src/store/bulk-journal-reader.ts';
import type { RunRecord, SwarmStore } from '../../../src/store/types.ts';
import type { RecordedRun } from './re-simulate.ts';

/**
 * A run as the store holds it, for re-simulation: its manifest as deployed, its journal, and
 * its projections (the last two read together, as of one commit). RunNotFoundError (exit 2)
 * for an unknown run; STORE_SCHEMA (exit 3) for a run stored without its manifest — the same
 * as loadStoredRun, without reading the tasks twice. `known`: the run's record, if read already.
 */
export function readRecordedRun(store: SwarmStore, runId: string, known?: RunRecord): RecordedRun {
  // The run record holds the manifest as JSON (megabytes for a big run): not read twice.
  const run = known?.id === runId ? known : store.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  if (run.manifest === null || typeof run.manifest !== 'object') {
    throw new SwarmError('STORE_SCHEMA', `Run ${runId} has no stored manifest to re-simulate it with.`);
  }
  const journal = readRunJournal(store, runId);
  return {
    runId,
    // Stored after validation, defaults filled in: the manifest as the runtime used it.
    manifest: run.manifest as Manifest,
    transitions: journal.transitions,
    stored: { run: journal.run ?? run, tasks: journal.tasks },
  };
}
