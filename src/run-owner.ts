import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who hosts an active run: `host:pid:start`, where `start` is the process's start time from
 * /proc (so a pid reused by another process does not pass for the owner). A dispatcher that
 * starts resumes only runs whose owner is gone — never one that a live `swarm run` or another
 * dispatcher on the same database is running.
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

/** Field 22 of /proc/<pid>/stat (clock ticks since boot), or null where there is no /proc. */
function startTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited: it is not running the run any more.
    if (fields[0] === 'Z') return -1;
    return Number(fields[19]);
  } catch {
    return null;
  }
}
