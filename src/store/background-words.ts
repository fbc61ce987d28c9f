/**
 * What the SQLite store's background writer (background-writer.ts) and its thread
 * (background-writer-thread.ts) say to each other.
 */
import type { MessagePort } from 'node:worker_threads';
import { SwarmError, type ErrorCode } from '../errors.ts';
import type { CommitOutcome } from './run-lease.ts';

/** Words of the shared buffer. */
export const BACKGROUND_WORD = {
  /** Commits answered so far: bumped after each answer is posted, so a blocked owner wakes to it. */
  answered: 0,
  /** Set once the thread has closed its connection. */
  closed: 1,
} as const;
export const BACKGROUND_WORDS = 2;

export interface BackgroundThreadData {
  location: string;
  words: SharedArrayBuffer;
  /** Where answers go: a port the owner can also read synchronously (receiveMessageOnPort). */
  answers: MessagePort;
}

/** Owner → thread. A batch travels as JSON text: one string to copy, not an object graph to clone. */
export type BackgroundRequest = { kind: 'commit'; id: number; batch: string } | { kind: 'resume' } | { kind: 'stop' };

/** An error as it crosses threads: enough to rebuild what the owner's callers test (name, code). */
export interface CrossingError {
  name: string;
  message: string;
  code?: string;
  transient?: boolean;
}

/** Thread → owner, one per commit, in order. `rows`: journal rows and task rows written (for the checkpointer). */
export type BackgroundAnswer =
  | { id: number; ok: true; outcome: CommitOutcome; rows: number }
  | { id: number; ok: false; error: CrossingError; earlier: boolean };

export function crossingError(err: unknown): CrossingError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { code, transient } = err as { code?: unknown; transient?: unknown };
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(transient === true ? { transient } : {}),
  };
}

/**
 * The error again on the owner's side, with its name and code (what callers read): a SwarmError
 * when it was one, else a plain Error (SQLite's own codes start with SQLITE_).
 */
export function rebuiltError(e: CrossingError): Error {
  const swarm = e.code !== undefined && !e.code.startsWith('SQLITE_');
  const err = swarm ? new SwarmError(e.code as ErrorCode, e.message) : Object.assign(new Error(e.message), e.code ? { code: e.code } : {});
  err.name = e.name;
  if (e.transient) Object.assign(err, { transient: true });
  return err;
}
