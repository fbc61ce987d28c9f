import { hostname } from 'node:os';
import { hasExited, procStat } from './proc-stat.ts';
import type { RunLease } from './store/run-lease.ts';

/**
 * Who hosts an active run: `host:pid:start`, where `start` is the process's start time from
 * /proc (so a pid reused by another process does not pass for the owner). The owner holds a
 * lease on the run that it renews (src/store/run-lease.ts); a run is taken over only when its
 * owner is gone — its lease expired, or its process is dead on this host — never while a live
 * `swarm run` or another dispatcher on the same database renews it.
 */
export function currentOwner(): string {
  return ownerOf(process.pid);
}

export function ownerOf(pid: number): string {
  return `${hostname()}:${pid}:${startTimeOf(pid) ?? '?'}`;
}

/**
 * Whether the owner is a live process. An owner on another host cannot be checked from here
 * and counts as alive: resuming a run that is still running elsewhere would run its tasks
 * twice, while leaving an orphan waits for `swarm run --resume` by hand.
 */
export function isOwnerAlive(owner: string | null): boolean {
  if (owner === null) return false;
  const [host, pidText, start] = owner.split(':');
  if (host !== hostname()) return true;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return start === String(startTimeOf(pid) ?? '?');
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but is someone else's.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(pid);
  return start === '?' || now === null || String(now) === start;
}

/**
 * Why a run may be taken over now, or null while its owner holds it:
 * - `unowned`: no process ever took its lease;
 * - `dead`: its owner is a process of this host that is gone (at once, whatever the lease says);
 * - `expired`: its owner stopped renewing the lease, and the lease ran out by the store's clock —
 *   whatever host the owner is on, and even if its process is still there (stopped, cut off).
 * An owner recorded before leases existed (no expiry) is released only by the `dead` rule.
 */
export function takeoverBasis(lease: RunLease | null): 'unowned' | 'dead' | 'expired' | null {
  if (lease === null) return 'unowned';
  if (!isOwnerAlive(lease.owner)) return 'dead';
  if (lease.expiresInMs !== null && lease.expiresInMs <= 0) return 'expired';
  return null;
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot), or null where there is no /proc. */
function startTimeOf(pid: number): number | null {
  const proc = procStat(pid);
  if (proc === null) return null;
  // A zombie has exited: it is not running the run any more.
  return hasExited(proc) ? -1 : proc.startTicks;
}
