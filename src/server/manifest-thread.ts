import { ManifestError, type ManifestIssue } from '../errors.ts';
import type { LoadedManifest, Manifest, ManifestFormat, ParseManifestOptions } from '../manifest/index.ts';
import { HttpError } from './http.ts';

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

interface Pending {
  job: ManifestJob;
  resolve(loaded: LoadedManifest): void;
  reject(error: unknown): void;
}

export class ManifestThread {
  private worker: Worker | null = null;
  private readonly waiting: Pending[] = [];
  private current: { pending: Pending; timer: ReturnType<typeof setTimeout> } | null = null;
  private nextId = 1;

  constructor(private readonly timeLimitMs = MANIFEST_TIME_LIMIT_MS) {}

  /** parseManifest(source, options), off the calling thread: the same result or ManifestError. */
  parse(source: string, options: ParseManifestOptions): Promise<LoadedManifest> {
    if (this.waiting.length >= MAX_WAITING) {
      return Promise.reject(new HttpError(503, 'DISPATCHER_BUSY', 'The dispatcher is validating too many manifests at once; retry in a moment.'));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, source, options }, resolve, reject });
      this.startNext();
    });
  }

  /** Stops the thread; manifests still waiting are refused. */
  close(): void {
    this.dropWorker();
    const stopped = new HttpError(503, 'DISPATCHER_STOPPING', 'The dispatcher is stopping and accepts no new runs.');
    if (this.current) {
      clearTimeout(this.current.timer);
      this.current.pending.reject(stopped);
      this.current = null;
    }
    for (const pending of this.waiting.splice(0)) pending.reject(stopped);
  }

  private startNext(): void {
    if (this.current !== null) return;
    const pending = this.waiting.shift();
    if (pending === undefined) return;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => this.timedOut(pending), this.timeLimitMs);
    this.current = { pending, timer };
    worker.postMessage(pending.job);
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./manifest-thread-worker.ts', import.meta.url).href);
    // An idle thread must not keep the process alive; a job's timer does while one runs.
    worker.unref();
    worker.onmessage = (event: MessageEvent<ManifestJobResult>) => this.finished(event.data);
    worker.onerror = (event) => this.crashed(event.message);
    this.worker = worker;
    return worker;
  }

  private finished(result: ManifestJobResult): void {
    const current = this.current;
    if (current === null || current.pending.job.id !== result.id) return; // a job already timed out
    clearTimeout(current.timer);
    this.current = null;
    const { job, resolve, reject } = current.pending;
    if (result.ok) resolve({ manifest: JSON.parse(result.manifestJson) as Manifest, source: job.source, format: result.format });
    else if ('issues' in result) reject(new ManifestError(result.issues, result.problems));
    else reject(new Error(`Validating a posted manifest failed: ${result.failure}`));
    this.startNext();
  }

  private timedOut(pending: Pending): void {
    this.dropWorker(); // busy with it, and JavaScript cannot be interrupted otherwise
    this.current = null;
    const seconds = Math.round(this.timeLimitMs / 100) / 10;
    pending.reject(
      new ManifestError([
        {
          ...(pending.job.options.file !== undefined && { file: pending.job.options.file }),
          message: `validating this manifest took longer than ${seconds} s, so it was refused; make it smaller (split the workflow) and check it with \`swarm validate\``,
        },
      ]),
    );
    this.startNext();
  }

  private crashed(reason: string): void {
    this.dropWorker();
    const current = this.current;
    this.current = null;
    if (current !== null) {
      clearTimeout(current.timer);
      current.pending.reject(new Error(`The manifest validation thread failed: ${reason}`));
    }
    this.startNext();
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
