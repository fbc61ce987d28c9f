import { ManifestError, type ManifestIssue } from '../errors.ts';
import type { LoadedManifest, Manifest, ManifestFormat, ParseManifestOptions } from '../manifest/index.ts';
import { HttpError } from './http.ts';
import { SerialWorker } from '../serial-worker.ts';

/**
 * Parses and validates posted manifests (deploy, replay) on a thread of their own. Reading a
 * 1 MiB manifest takes up to a few seconds (the YAML library reads about 1 MB/s at worst), and
 * on the dispatcher's event loop that would stop heartbeats and journal commits: workers
 * would be declared lost and unrelated runs fail. One thread takes the manifests in turn; one
 * that takes longer than the time limit is refused and the thread replaced.
 */

/** Longest a posted manifest may take to validate; a legitimate one of 1 MiB takes ~1-3 s. */
export const MANIFEST_TIME_LIMIT_MS = 20_000;

/** Manifests waiting for the thread at most; beyond it the dispatcher answers 503. */
const MAX_WAITING = 32;

export interface ManifestJob {
  id: number;
  source: string;
  options: ParseManifestOptions;
}

export type ManifestJobResult =
  | { id: number; ok: true; manifestJson: string; format: ManifestFormat }
  | { id: number; ok: false; issues: ManifestIssue[]; problems: number }
  | { id: number; ok: false; failure: string };

export class ManifestThread {
  private readonly jobs: SerialWorker<Omit<ManifestJob, 'id'>, ManifestJobResult>;

  constructor(private readonly timeLimitMs = MANIFEST_TIME_LIMIT_MS) {
    this.jobs = new SerialWorker(new URL('./manifest-thread-worker.ts', import.meta.url), timeLimitMs);
  }

  /** parseManifest(source, options), off the calling thread: the same result or ManifestError. */
  async parse(source: string, options: ParseManifestOptions): Promise<LoadedManifest> {
    if (this.jobs.queued >= MAX_WAITING) {
      throw new HttpError(503, 'DISPATCHER_BUSY', 'The dispatcher is validating too many manifests at once; retry in a moment.');
    }
    const outcome = await this.jobs.run({ source, options });
    switch (outcome.kind) {
      case 'done': {
        const result = outcome.result;
        if (result.ok) return { manifest: JSON.parse(result.manifestJson) as Manifest, source, format: result.format };
        if ('issues' in result) throw new ManifestError(result.issues, result.problems);
        throw new Error(`Validating a posted manifest failed: ${result.failure}`);
      }
      case 'timed-out': {
        const seconds = Math.round(this.timeLimitMs / 100) / 10;
        throw new ManifestError([
          {
            ...(options.file !== undefined && { file: options.file }),
            message: `validating this manifest took longer than ${seconds} s, so it was refused; make it smaller (split the workflow) and check it with \`swarm validate\``,
          },
        ]);
      }
      case 'crashed':
        throw new Error(`The manifest validation thread failed: ${outcome.reason}`);
      case 'closed':
        throw new HttpError(503, 'DISPATCHER_STOPPING', 'The dispatcher is stopping and accepts no new runs.');
    }
  }

  /** Stops the thread; manifests still waiting are refused. */
  close(): void {
    this.jobs.close();
  }
}
