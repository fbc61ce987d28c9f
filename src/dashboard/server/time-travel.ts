import { RunNotFoundError } from '../../errors.ts';
import { HttpError } from '../../server/http.ts';
import { SerialWorker } from '../../serial-worker.ts';
import { SqliteStore } from '../../store/sqlite-store.ts';
import type { SwarmStore } from '../../store/types.ts';
import type { RunState } from '../wire.ts';
import { JournalCache } from './journal-cache.ts';
import { runStateAt, type Backoff } from './run-state.ts';

/**
 * The dashboard's time travel (GET /api/runs/:id/state?at=SEQ): re-simulating a run's journal
 * up to a seq. On a 100k-task run that is ~0.4–1 s of work a request, and a page's slider
 * asks again at every step: on the dispatcher's event loop it would stop heartbeats, lease
 * renewals and commits meanwhile. Over a SQLite file it runs on a thread of its own (one
 * request at a time, with its own connection and the journal it keeps between requests), and a
 * run of more than MAX_TIME_TRAVEL_TRANSITIONS is refused; over any other store (in memory,
 * PostgreSQL) here, as before.
 */
export interface TimeTravel {
  stateAt(runId: string, at: number): Promise<RunState>;
  close(): void;
}

/** Longest a re-simulation may take: a 1M-task run's is ~10 s here. */
export const TIME_TRAVEL_LIMIT_MS = 60_000;

/**
 * The most transitions a run may have for time travel over a SQLite file: re-simulation holds
 * the whole journal and every actor, in the dispatcher's own process (a 50k-task run, 250k
 * transitions: ~260 MB at the peak, ~160 MB kept between requests; so ~1 GB at this limit).
 */
export const MAX_TIME_TRAVEL_TRANSITIONS = 1_000_000;

export interface TimeTravelJob {
  id: number;
  location: string;
  runId: string;
  at: number;
  backoff: Backoff;
  maxTransitions: number;
}

export type TimeTravelReply =
  | { id: number; ok: true; state: RunState }
  | { id: number; ok: false; notFound: true }
  | { id: number; ok: false; tooBig: number }
  | { id: number; ok: false; message: string };

export function timeTravelOver(
  store: SwarmStore,
  backoff: Backoff,
  limits: { ms?: number; transitions?: number } = {},
): TimeTravel {
  return store instanceof SqliteStore && store.file !== null
    ? new ThreadedTimeTravel(store.file, backoff, limits.ms ?? TIME_TRAVEL_LIMIT_MS, limits.transitions ?? MAX_TIME_TRAVEL_TRANSITIONS)
    : new LocalTimeTravel(store, backoff);
}

class ThreadedTimeTravel implements TimeTravel {
  private readonly jobs: SerialWorker<Omit<TimeTravelJob, 'id'>, TimeTravelReply>;

  constructor(
    private readonly location: string,
    private readonly backoff: Backoff,
    private readonly limitMs: number,
    private readonly maxTransitions: number,
  ) {
    this.jobs = new SerialWorker(new URL('./time-travel-thread.ts', import.meta.url), limitMs);
  }

  async stateAt(runId: string, at: number): Promise<RunState> {
    const outcome = await this.jobs.run({ location: this.location, runId, at, backoff: this.backoff, maxTransitions: this.maxTransitions });
    if (outcome.kind === 'done') {
      const reply = outcome.result;
      if (reply.ok) return reply.state;
      if ('notFound' in reply) throw new RunNotFoundError(runId);
      if ('tooBig' in reply) {
        throw new HttpError(
          422,
          'TIME_TRAVEL_TOO_BIG',
          `Run ${runId} has ${reply.tooBig.toLocaleString('en-US')} journal transitions, more than time travel here holds in memory (${this.maxTransitions.toLocaleString('en-US')}); see it at that seq with \`swarm replay ${runId} --simulate --at ${at}\`.`,
        );
      }
      throw new Error(`Re-simulating run ${runId} failed: ${reply.message}`);
    }
    if (outcome.kind === 'timed-out') {
      throw new HttpError(
        503,
        'TIME_TRAVEL_TOO_SLOW',
        `Re-simulating run ${runId} took longer than ${this.limitMs / 1000} s; see it at that seq with \`swarm replay ${runId} --simulate --at ${at}\`.`,
      );
    }
    if (outcome.kind === 'closed') throw new HttpError(503, 'DISPATCHER_STOPPING', 'The server is stopping.');
    throw new Error(`The time travel thread failed: ${outcome.reason}`);
  }

  close(): void {
    this.jobs.close();
  }
}

class LocalTimeTravel implements TimeTravel {
  private readonly journals = new JournalCache();

  constructor(
    private readonly store: SwarmStore,
    private readonly backoff: Backoff,
  ) {}

  async stateAt(runId: string, at: number): Promise<RunState> {
    const run = this.store.getRun(runId);
    if (run === undefined) throw new RunNotFoundError(runId);
    return runStateAt(this.store, this.journals, run, at, this.backoff);
  }

  close(): void {
    this.journals.clear();
  }
}
