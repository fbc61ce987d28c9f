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
  const { id, location } = event.data;
  let reply: TimeTravelReply;
  let store: SqliteStore | null = null;
  try {
    store = new SqliteStore(location);
    reply = { id, ...stateAt(store, event.data) };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    store?.close();
  }
  self.postMessage(reply);
};

type Answer<T> = T extends unknown ? Omit<T, 'id'> : never;

function stateAt(store: SqliteStore, { runId, at, backoff, maxTransitions }: TimeTravelJob): Answer<TimeTravelReply> {
  if (store.getRunListing(runId) === undefined) return { ok: false, notFound: true };
  // The size first, from the run index: a run too big is refused before its manifest is read.
  const size = journalSize(store, runId);
  if (size > maxTransitions) return { ok: false, tooBig: size };
  const run = store.getRun(runId);
  if (run === undefined) return { ok: false, notFound: true };
  return { ok: true, state: runStateAt(store, journals, run, at, backoff) };
}
