import { randomBytes } from 'node:crypto';

/** A run id that sorts by creation time and reads well in a terminal: 20261124-051203-7f3a9c. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-24T05:12:03.123Z
  const stamp = iso.slice(0, 10).replaceAll('-', '') + '-' + iso.slice(11, 19).replaceAll(':', '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
