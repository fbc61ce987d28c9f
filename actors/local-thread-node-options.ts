import type { Clock } from '../src/clock.ts';
import type { HostServices } from './executor/thread-protocol.ts';
import type { JournalRecorder } from './journal/journal-recorder.ts';

export interface LocalThreadNodeOptions {
  id?: string;
  threads: number;
  tasksPerThread: number;
  /**
   * Journals the node actor's transitions. A remote worker process, which keeps no journal of
   * its own (the dispatcher journals its node), leaves it out.
   */
  journal?: JournalRecorder;
  host: HostServices;
  clock: Clock;
  /** How long an aborted attempt may take to stop on its own before its thread is terminated. */
  abortGraceMs?: number;
  /** Called whenever slots free up, so the scheduler can hand out more work. */
  onCapacity: () => void;
  /**
   * Called once if the threads cannot start (see ThreadRestarts): the node then fails what it
   * is given, and its owner should stop offering it.
   */
  onBroken?: (error: Error) => void;
  /** The module each thread runs (the swarm's own thread entry unless given). */
  threadEntry?: string;
  now?: () => number;
}

/** How long an aborted attempt may take to stop before its thread is terminated. */
export const ABORT_GRACE_MS = 2_000;
