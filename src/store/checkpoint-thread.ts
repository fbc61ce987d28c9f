/**
 * The thread side of WalCheckpointer (wal-checkpointer.ts): a connection of its own to the store's
 * file that copies the WAL back into the database when the owner says it has committed. Never
 * imported by the main thread.
 *
 * A PASSIVE checkpoint takes no lock a writer needs: the main thread's commits go on meanwhile,
 * and what they append is left for the next one. Failures are counted, never thrown: the main
 * connection's own (rarer) automatic checkpoint is the backstop, and it reports its errors.
 */
import { Database } from 'bun:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { CHECKPOINT_WORD, type CheckpointThreadData, type CheckpointThreadMessage } from './checkpoint-words.ts';

const { location, words, minGapMs } = workerData as CheckpointThreadData;
const word = new Int32Array(words);
const db = new Database(location, { readwrite: true, create: false });
let lastAt = -Infinity;
let timer: ReturnType<typeof setTimeout> | undefined;

function checkpoint(): void {
  timer = undefined;
  lastAt = performance.now();
  try {
    db.run('PRAGMA wal_checkpoint(PASSIVE)');
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
  db.close();
  Atomics.store(word, CHECKPOINT_WORD.closed, 1);
  Atomics.notify(word, CHECKPOINT_WORD.closed);
  parentPort!.close();
});
