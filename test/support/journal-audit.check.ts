// Run by scripts/test-all.sh after the runtime tests (see journal-audit.ts): every journal
// they wrote, under each task engine, re-simulates with the real machines.
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.SWARM_JOURNAL_AUDIT_DIR;

describe.skipIf(!dir)('the journals the runtime tests wrote', () => {
  for (const engine of ['compiled', 'xstate']) {
    test(`re-simulate without divergence (${engine} task engine)`, () => {
      const file = join(dir!, `${engine}.jsonl`);
      expect(existsSync(file)).toBe(true);
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      // Enough runs to mean something: the in-process runtime, remote, scheduling and server
      // tests write about 80 (the CLI's runs are in child processes, not audited here).
      expect(lines.length).toBeGreaterThan(50);
      const diverged = lines.filter((l) => l.divergence !== null);
      expect(diverged).toEqual([]);
    });
  }
});
