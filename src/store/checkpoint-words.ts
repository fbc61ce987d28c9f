/** What the main thread and the checkpoint thread (checkpoint-thread.ts) share. */

/** The Int32 words of the shared buffer. */
export const CHECKPOINT_WORD = {
  /** Checkpoints the thread has run. */
  done: 0,
  /** Checkpoints that failed (a busy or full disk, say). */
  failed: 1,
  /** 1 once the thread has closed its connection. */
  closed: 2,
} as const;

export const CHECKPOINT_WORDS = 3;

export interface CheckpointThreadData {
  location: string;
  words: SharedArrayBuffer;
  minGapMs: number;
}

/** `committed`: the owner has committed since it last said so; `stop`: close the connection. */
export type CheckpointThreadMessage = 'committed' | 'stop';
