import { RunNotFoundError, SwarmError } from '../src/errors.ts';
import type { LoadedManifest, Manifest } from '../src/manifest/types.ts';
import { storeWriteError } from '../src/store/index.ts';
import type { NewRunLease } from '../src/store/run-lease.ts';
import type { RunRecord, SwarmStore, TaskRecord } from '../src/store/types.ts';

/** A run as the store holds it, with its manifest exactly as it was deployed. */
export interface StoredRun {
  run: RunRecord;
  loaded: LoadedManifest;
  tasks: TaskRecord[];
}

/** Reads a run for a replay, a resume or a rollback. RunNotFoundError (exit 2) if there is none. */
export function loadStoredRun(store: SwarmStore, runId: string): StoredRun {
  const run = store.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  if (run.manifest === null || typeof run.manifest !== 'object') {
    throw new SwarmError('STORE_SCHEMA', `Run ${runId} has no stored manifest to start from; replay it with --manifest FILE.`);
  }
  const loaded: LoadedManifest = {
    // Stored after validation, defaults filled in: it is a Manifest as the runtime uses it.
    manifest: run.manifest as Manifest,
    source: run.manifestSource,
    format: run.manifestFormat,
    ...(run.manifestPath !== null && { path: run.manifestPath }),
  };
  return { run, loaded, tasks: store.getTasks(runId) };
}

/**
 * Records a new run: its manifest, every task, and its lease, in one transaction, so no other
 * process ever sees it without an owner. `name` replaces the manifest's own name; `replayOf`
 * names the run it replays. A refused write is a store error naming the database.
 */
export function recordNewRun(
  store: SwarmStore,
  runId: string,
  loaded: LoadedManifest,
  options: { replayOf?: string; name?: string; lease: NewRunLease; createdAt: number },
): void {
  const { manifest } = loaded;
  try {
    store.createRun(
      {
        id: runId,
        name: options.name ?? manifest.name,
        manifestSource: loaded.source,
        manifestFormat: loaded.format,
        manifest,
        manifestPath: loaded.path ?? null,
        metadata: manifest.metadata,
        totalTasks: manifest.symbols.length,
        replayOf: options.replayOf ?? null,
        createdAt: options.createdAt,
      },
      manifest.symbols,
      options.lease,
    );
  } catch (err) {
    throw storeWriteError(store.location, err);
  }
}
