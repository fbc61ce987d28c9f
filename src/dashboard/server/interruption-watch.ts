import type { Interruption } from '../../interruption.ts';
import { interruption } from '../../run-liveness.ts';
import { UNFINISHED_RUN_STATUSES, type SwarmStore } from '../../store/types.ts';
import type { LiveClient, LiveMessage } from './live-hub.ts';

/**
 * Tells the live pages when a run they show is interrupted (its process died, or its lease ran
 * out) or taken up again. Nothing is written to the database when a process dies, so no commit
 * tells the hub: while a page is connected, this looks every LOOK_EVERY_MS at the lease of each
 * run a page watches, and, when a runs list is open, at those of the newest unfinished runs.
 */

/** A page learns of an interruption within this long (a lease check is one indexed read). */
export const LOOK_EVERY_MS = 1_000;

/** Unfinished runs looked at for the runs list, newest first: two of its pages. */
const UNFINISHED_LOOKED_AT = 50;

export class InterruptionWatch {
  /** Watched runs seen interrupted, and why. */
  private readonly known = new Map<string, Interruption>();
  /** The interrupted unfinished runs at the last look, as one text. */
  private listed = '';
  private timer: ReturnType<typeof setInterval> | null = null;

  /** `listChanged`: the runs list shows something else now (the hub tells its pages, throttled). */
  constructor(
    private readonly store: SwarmStore,
    private readonly clients: () => ReadonlySet<LiveClient>,
    private readonly listChanged: () => void,
    private readonly lookEveryMs = LOOK_EVERY_MS,
  ) {}

  /** Looks from now on, while any page is connected. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      try {
        this.look();
      } catch {
        // The store did not answer (an outage, a lock held elsewhere): the next look tries again.
        // The dispatcher (or `swarm dashboard`) reports the outage itself; a timer that threw
        // would end the process.
      }
    }, this.lookEveryMs);
    // A page left open must not keep a finished `swarm dashboard` (or a test) alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** A client began watching a run: what is known of its interruption goes to it at once. */
  watched(client: LiveClient, runId: string): void {
    const why = this.known.get(runId);
    if (why !== undefined) client.send(message(runId, why));
  }

  look(): void {
    const clients = this.clients();
    if (clients.size === 0) return;
    const watched = new Set<string>();
    for (const client of clients) for (const runId of client.watching.keys()) watched.add(runId);
    for (const runId of this.known.keys()) if (!watched.has(runId)) this.known.delete(runId);
    for (const runId of watched) {
      const run = this.store.getRunListing(runId);
      const why = run ? interruption(this.store, run) : null;
      if ((this.known.get(runId) ?? null) === why) continue;
      if (why === null) this.known.delete(runId);
      else this.known.set(runId, why);
      const text = message(runId, why);
      for (const client of clients) if (client.watching.has(runId)) client.send(text);
    }
    if (![...clients].some((c) => c.wantsRuns)) return;
    const interrupted = this.store
      .listRuns({ limit: UNFINISHED_LOOKED_AT, status: [...UNFINISHED_RUN_STATUSES] })
      .filter((run) => interruption(this.store, run) !== null)
      .map((run) => run.id)
      .join(',');
    if (interrupted === this.listed) return;
    this.listed = interrupted;
    this.listChanged();
  }
}

function message(runId: string, why: Interruption | null): string {
  return JSON.stringify({ type: 'run', runId, interruption: why } satisfies LiveMessage);
}
