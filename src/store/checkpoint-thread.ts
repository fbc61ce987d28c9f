/**
 * The thread side of WalCheckpointer (wal-checkpointer.ts): a connection of its own to the store's
 * file that copies the WAL back into the database when the owner says it has committed. Never
 * imported by the main thread.
 *
 * A PASSIVE checkpoint takes no lock a writer needs: the main thread's commits go on meanwhile,
 * and what they append is left for the next one (see checkpoint() for when it RESTARTs).
 * Failures are counted, never thrown: the main connection's own (rarer) automatic checkpoint is
 * the backstop, and it reports its errors.
 */
import { Database } from 'bun:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { CHECKPOINT_WORD, RESTART_WAIT_MS, type CheckpointThreadData, type CheckpointThreadMessage, type WalCheckpointRow } from './checkpoint-words.ts';

const { location, words, minGapMs, restartAtPages } = workerData as CheckpointThreadData;
const word = new Int32Array(words);
let lastAt = -Infinity;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Tells the owner, which may be blocked in Atomics.wait on it, that this thread is done. */
function closed(): void {
  Atomics.store(word, CHECKPOINT_WORD.closed, 1);
  Atomics.notify(word, CHECKPOINT_WORD.closed);
  parentPort!.close();
}

let db: Database;
try {
  db = new Database(location, { readwrite: true, create: false });
} catch {
  Atomics.add(word, CHECKPOINT_WORD.failed, 1);
  closed();
  throw new Error(`the checkpoint thread could not open ${location}`);
}

// A RESTART checkpoint waits at most this long for the write lock and for readers.
db.run(`PRAGMA busy_timeout = ${RESTART_WAIT_MS}`);
const passive = db.query<WalCheckpointRow, []>('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.query<WalCheckpointRow, []>('PRAGMA wal_checkpoint(RESTART)');

function checkpoint(): void {
  timer = undefined;
  lastAt = performance.now();
  // Before it runs: a commit from now on may not be in it, so the owner says so again.
  Atomics.store(word, CHECKPOINT_WORD.asked, 0);
  try {
    const { log } = passive.get()!;
    // Commits landing during a PASSIVE checkpoint leave frames it did not copy, and SQLite
    // starts the WAL over only when a commit finds every frame copied: under steady commits it
    // would grow to the main connection's backstop. Past the limit commits used to checkpoint
    // at, a RESTART copies the few frames left, holding commits off meanwhile (a few ms), so
    // that the next commit starts the WAL over.
    if (log >= restartAtPages) {
      restart.get();
      Atomics.add(word, CHECKPOINT_WORD.restarted, 1);
    }
    Atomics.add(word, CHECKPOINT_WORD.done, 1);
  } catch {
    Atomics.add(word, CHECKPOINT_WORD.failed, 1);
  }
}

parentPort!.on('message', (message: CheckpointThreadMessage) => {
  if (message === 'committed') {
    // At most one checkpoint per minGapMs: each syncs the WAL and the database file.
    timer ??= setTimeout(checkpoint, Math.max(0, lastAt + minGapMs - performance.now()));
    return;
  }
  clearTimeout(timer);
  try {
    db.close(true);
  } finally {
    closed();
  }
});
