import { readFileSync } from 'node:fs';

/** A process as Linux's /proc/<pid>/stat shows it: the one reading of that file for the swarm. */
export interface ProcStat {
  pid: number;
  /** The executable's name (at most 15 characters). */
  comm: string;
  /** R, S, D, Z (exited, not yet reaped), X (dead), … */
  state: string;
  ppid: number;
  /** Its session: its own pid when it leads one (setsid). */
  session: number;
  /** Clock ticks after boot when it started: with the pid, the process itself, not a later one that got its pid. */
  startTicks: number;
}

/** The process `pid` (or this one), or null when it does not exist (gone, another's, or no /proc). */
export function procStat(pid: number | 'self'): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The name (field 2) is in parentheses and may hold spaces and parentheses itself: the fields
  // after it start after the last ')'. Those are state (3), ppid (4), pgrp, session (6), …,
  // starttime (22).
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid: Number(stat.slice(0, stat.indexOf(' '))),
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: fields[0],
    ppid: Number(fields[1]),
    session: Number(fields[3]),
    startTicks: Number(fields[19]),
  };
}

/** Whether the process has exited, though its entry is still there (a zombie not reaped yet). */
export function hasExited(proc: ProcStat): boolean {
  return proc.state === 'Z' || proc.state === 'X';
}
