/**
 * Signals for a whole process group. A backend is started as the leader of a group of its own
 * (setsid), so `kill(-pgid)` reaches everything it forked, however deep: killing only the
 * direct child would leave its children running, orphaned, holding the output pipes open.
 */
import { settlesWithin } from '../../src/clock.ts';

/** The grace between SIGTERM and SIGKILL when none is given. */
export const DEFAULT_KILL_GRACE_MS = 1_000;

/**
 * Sends `signal` (0: only test for existence) to every process of group `pgid`. False when no
 * process could be signalled: the group is gone (ESRCH) or belongs to someone else (EPERM).
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends the group: SIGTERM, then up to `graceMs` for `settled` (the leader reaped and the pipes
 * closed); then SIGKILL unless the group is already gone, and up to `graceMs` more for
 * `settled`. SIGKILL goes out even when `settled` came in time: a member that closed its stdio
 * does not delay `settled`, and must not outlive the attempt either. Returns whether `settled`
 * came at all (false: something outside the group still holds a pipe).
 */
export async function terminateGroup(pgid: number, settled: Promise<unknown>, graceMs: number): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  const gentle = await settlesWithin(settled, graceMs);
  if (signalGroup(pgid, 0)) signalGroup(pgid, 'SIGKILL');
  return gentle || (await settlesWithin(settled, graceMs));
}

