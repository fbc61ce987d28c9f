/**
 * The thread side of BackgroundWriter (background-writer.ts): a SqliteStore of its own on the
 * owner's file that commits the batches it is sent, in order, and answers each on the port.
 * Never imported by the main thread.
 *
 * After a refused commit it writes nothing more (answering `earlier`) until told to resume: a
 * later batch written over a gap would break the journal's order (the owner sends the refused
 * ones again first).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BACKGROUND_WORD, crossingError, type BackgroundAnswer, type BackgroundRequest, type BackgroundThreadData } from './background-words.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { StoreBatch } from './types.ts';

const { location, words, answers } = workerData as BackgroundThreadData;
const word = new Int32Array(words);

function answer(message: BackgroundAnswer): void {
  // Posted before the word moves: an owner woken by the word finds the answer on the port.
  answers.postMessage(message);
  Atomics.add(word, BACKGROUND_WORD.answered, 1);
  Atomics.notify(word, BACKGROUND_WORD.answered);
}

/**
 * Its writes go to the journal's tail and to task rows in about the order they were created,
 * so a small page cache holds what it touches: 8 MiB ran 100k-task runs as fast as 64
 * (measured), and every MiB here adds to a million-task run's peak.
 */
const WRITER_CACHE_MIB = 16;
/**
 * The owner's connection can hold the write lock for seconds (recording a million-task run, a
 * big prune). Its other writes never waited on this thread's before, so this one waits, not
 * fails: a refused commit stops every run.
 */
const WRITER_BUSY_TIMEOUT_MS = 10 * 60_000;
// No checkpointer thread of its own: the owner's checkpoints (it is told of these rows). The
// connection's automatic checkpoint stays, so without that thread (a store under 50,000 rows)
// the WAL is folded in here, off the owner's thread.
const store = new SqliteStore(location, { startAfterRows: Number.POSITIVE_INFINITY }, { cacheMiB: WRITER_CACHE_MIB, busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS });
let refused: unknown = null;

parentPort!.on('message', (request: BackgroundRequest) => {
  if (request.kind === 'resume') {
    refused = null;
    return;
  }
  if (request.kind === 'stop') {
    store.close();
    Atomics.store(word, BACKGROUND_WORD.closed, 1);
    Atomics.notify(word, BACKGROUND_WORD.closed);
    answers.close();
    parentPort!.close();
    return;
  }
  if (refused !== null) {
    answer({ id: request.id, ok: false, error: crossingError(refused), earlier: true });
    return;
  }
  try {
    const batch = JSON.parse(request.batch) as StoreBatch;
    const outcome = store.commit(batch);
    answer({ id: request.id, ok: true, outcome, rows: batch.transitions.length + batch.tasks.length });
  } catch (err) {
    refused = err;
    answer({ id: request.id, ok: false, error: crossingError(err), earlier: false });
  }
});
