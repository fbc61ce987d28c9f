import { expect } from 'bun:test';
import { resolve } from 'node:path';

const HOLD_LOCK = resolve(import.meta.dir, '../fixtures/hold-write-lock.ts');
const holders = new Set<Bun.Subprocess<'pipe', 'pipe', 'inherit'>>();

/**
 * Takes the write lock of the SQLite file `db` in another process (a transaction left open) and
 * resolves once it has it; `release()` commits it and waits for the process to end.
 */
export async function holdWriteLock(db: string): Promise<{ release(): Promise<void> }> {
  const holder = Bun.spawn([process.execPath, HOLD_LOCK, db, 'stdin'], { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' });
  holders.add(holder);
  const reader = holder.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain('locked');
  reader.releaseLock();
  return {
    async release() {
      holder.stdin.end();
      expect(await holder.exited).toBe(0);
      holders.delete(holder);
    },
  };
}

/** Kills the lock holders a failed test left (for afterEach). */
export async function killLockHolders(): Promise<void> {
  for (const holder of holders) {
    holder.kill('SIGKILL');
    await holder.exited;
  }
  holders.clear();
}
