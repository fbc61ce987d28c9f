import { readdirSync, readFileSync } from 'node:fs';
import { hasExited, procStat, type ProcStat } from '../../src/proc-stat.ts';
import { reapChild } from './subreaper.ts';

/**
 * Ends what an attempt left running outside its process group. kill(-pgid) reaches the group,
 * but a descendant that called setsid (a daemonizing double fork) has left it. Every backend
 * process carries the attempt's marker in its environment (ATTEMPT_MARKER, inherited by all it
 * starts), so after the attempt its processes are found in /proc wherever they are; with this
 * process a subreaper (subreaper.ts), escapees are also our children, which finds those that
 * cleared their environment once no attempt is running here any more. Linux only (/proc);
 * elsewhere this does nothing and the process group is the limit.
 */

/** The environment variable holding each attempt's marker (a random id). */
export const ATTEMPT_MARKER = 'SWARM_ATTEMPT_ID';

/** Pids Bun spawned for backends and has not reaped yet: never ours to reap or to sweep. */
export const liveLeaders = new Set<number>();

function listProcs(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const procs: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const proc = procStat(Number(name));
    if (proc) procs.push(proc);
  }
  return procs;
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    // environ is NUL-separated NAME=value entries.
    return ('\0' + readFileSync(`/proc/${pid}/environ`, 'latin1')).includes(`\0${ATTEMPT_MARKER}=${marker}\0`);
  } catch {
    return false; // another user's process, or gone
  }
}

const self = () => procStat(process.pid);

/**
 * Whether `proc` is a foreign child: re-parented to us (we are a subreaper), so not spawned by
 * Bun. Bun's own children are either backend leaders (in liveLeaders until reaped) or share our
 * session (nothing else here spawns with setsid); taking one of those would crash Bun.
 */
function isForeignChild(proc: ProcStat, me: ProcStat): boolean {
  return proc.ppid === me.pid && proc.session !== me.session && !liveLeaders.has(proc.pid);
}

/**
 * The attempt's processes: those with its marker, and (when no other attempt runs) foreign
 * children that started after its leader — a program embedding the swarm is a subreaper too,
 * and a daemon of its own that it started before the attempt is not the attempt's.
 */
function targets(marker: string, me: ProcStat, since: number): ProcStat[] {
  const idle = liveLeaders.size === 0;
  return listProcs().filter(
    (p) =>
      !hasExited(p) &&
      p.pid !== me.pid &&
      !liveLeaders.has(p.pid) &&
      (hasMarker(p.pid, marker) || (idle && p.startTicks >= since && isForeignChild(p, me))),
  );
}

/** When `pid` started (clock ticks since boot), or 0 when unknown (then nothing is excluded by age). */
export function startTicks(pid: number): number {
  return procStat(pid)?.startTicks ?? 0;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

function alive(pid: number): boolean {
  const proc = procStat(pid);
  return proc !== null && !hasExited(proc);
}

async function untilDead(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await Bun.sleep(10);
  }
}

/** Reaps our foreign zombies: escapees that ended (killed here or on their own). */
export function reapForeignZombies(): void {
  const me = self();
  if (!me) return;
  for (const proc of listProcs()) if (proc.state === 'Z' && isForeignChild(proc, me)) reapChild(proc.pid);
}

/**
 * Ends every process of the attempt `marker` (whose leader started at `since`, in clock ticks)
 * still running: SIGTERM, then SIGKILL after
 * `graceMs`, then reaps the zombies that are ours. A few rounds, because killing an escapee
 * re-parents its own children to us. Bounded: at most about 2 × graceMs per round.
 */
export async function endStragglers(marker: string, graceMs: number, since: number): Promise<void> {
  const me = self();
  if (!me) return; // no /proc
  for (let round = 0; round < 3; round++) {
    const pids = targets(marker, me, since).map((p) => p.pid);
    if (pids.length === 0) break;
    signal(pids, 'SIGTERM');
    const stubborn = await untilDead(pids, graceMs);
    signal(stubborn, 'SIGKILL');
    await untilDead(stubborn, graceMs);
  }
  reapForeignZombies();
}

/**
 * Ends at once every process this one started, and all they started: for a process that exits
 * now (a second Ctrl-C), which must not leave backends running with no one left to time them
 * out or end them. SIGKILL to each descendant's process group and to the process itself;
 * descendants are found by their parent links in /proc (one that called setsid is ours too,
 * re-parented to us as a subreaper). Synchronous; Linux only (elsewhere nothing is found).
 * Returns what it ended (zombies, already ended, are not counted).
 */
export function killDescendantsNow(): ProcStat[] {
  const procs = listProcs();
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, ProcStat>();
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length > 0) {
    const proc = stack.pop()!;
    if (found.has(proc.pid)) continue;
    found.set(proc.pid, proc);
    stack.push(...(children.get(proc.pid) ?? []));
  }
  for (const pid of found.keys()) {
    // A backend leads a group of its own; -pid is only ever a group our descendant leads.
    signal([-pid, pid], 'SIGKILL');
  }
  return [...found.values()].filter((p) => !hasExited(p));
}
