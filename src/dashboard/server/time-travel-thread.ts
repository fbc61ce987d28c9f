/**
 * The thread body of ThreadedTimeTravel (time-travel.ts): a run's state at a seq, re-simulated
 * from its journal. The store is opened for each request and closed after it (a few ms against
 * the re-simulation's hundreds): a thread ended at its time limit, or with its server, then
 * holds no connection that would keep the WAL from being cleaned up when the dispatcher closes.
 * The journal read is kept between requests (JournalCache), as the slider asks again and again.
 */
import { journalSize } from '../../store/bulk-journal-reader.ts';
import { SqliteStore } from '../../store/sqlite-store.ts';
import { JournalCache } from './journal-cache.ts';
import { runStateAt } from './run-state.ts';
import type { TimeTravelJob, TimeTravelReply } from './time-travel.ts';

declare const self: Worker;

const journals = new JournalCache();

self.onmessage = (event: MessageEvent<TimeTravelJob>) => {
  const { id, location, runId, at, backoff, maxTransitions } = event.data;
  let reply: TimeTravelReply;
  let store: SqliteStore | null = null;
  try {
    store = new SqliteStore(location);
    const run = store.getRun(runId);
    const size = run === undefined ? 0 : journalSize(store, runId);
    reply =
      run === undefined
        ? { id, ok: false, notFound: true }
        : size > maxTransitions
          ? { id, ok: false, tooBig: size }
          : { id, ok: true, state: runStateAt(store, journals, run, at, backoff) };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    store?.close();
  }
  self.postMessage(reply);
};
