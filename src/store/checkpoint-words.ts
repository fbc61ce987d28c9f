/** What the main thread and the checkpoint thread (checkpoint-thread.ts) share. */

/** The Int32 words of the shared buffer. */
export const CHECKPOINT_WORD = {
  /** Checkpoints the thread has run. */
  done: 0,
  /** Checkpoints that failed (a busy or full disk, say). */
  failed: 1,
  /** 1 once the thread has closed its connection. */
  closed: 2,
  /** RESTART checkpoints among `done`. */
  restarted: 3,
  /**
   * 1 from the owner's `committed` message until the thread begins its next checkpoint: the
   * owner posts no other meanwhile (see WalCheckpointer.committed).
   */
  asked: 4,
} as const;

export const CHECKPOINT_WORDS = 5;

export interface CheckpointThreadData {
  location: string;
  words: SharedArrayBuffer;
  minGapMs: number;
  restartAtPages: number;
}

/** `committed`: the owner has committed since the thread's last checkpoint began; `stop`: close the connection. */
export type CheckpointThreadMessage = 'committed' | 'stop';

/** How long the thread's RESTART checkpoint may hold commits off waiting for readers. */
export const RESTART_WAIT_MS = 20;

/** What `PRAGMA wal_checkpoint` answers: frames in the WAL, and how many are in the database. */
export interface WalCheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}
