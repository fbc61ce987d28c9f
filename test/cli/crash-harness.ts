import { Database } from 'bun:sqlite';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.ts';
import { readFileJournal } from '../../src/store/bulk-journal-reader.ts';

/**
 * Pieces of the crash-recovery tests (crash-recovery.test.ts): a workflow whose tasks append a
 * line to a file (their side effect, see test/fixtures/modules/append-line.ts), a read-only
 * look at the state database from the test process, and what was on disk at each SIGKILL.
 */

export const APPEND_MODULE = join(ROOT, 'test/fixtures/modules/append-line.ts');

export interface Step {
  name: string;
  deps?: string[];
  /** ms before the line is appended, and after it (the task succeeds after both). */
  before: number;
  after: number;
}

/**
 * A chain, then a fan-out of four branches of different lengths, a fan-in, and a chain to the
 * end. Every side effect comes ≥ 100 ms after its attempt starts, so the attempt's `running`
 * row (group commit: 5 ms) is durable before its line is written.
 */
export const WORKFLOW: Step[] = [
  { name: 'a', before: 150, after: 150 },
  { name: 'b', deps: ['a'], before: 100, after: 150 },
  { name: 'c', deps: ['b'], before: 100, after: 100 },
  { name: 'f1', deps: ['c'], before: 100, after: 30 },
  { name: 'f2', deps: ['c'], before: 150, after: 150 },
  { name: 'f3', deps: ['c'], before: 250, after: 200 },
  { name: 'f4', deps: ['c'], before: 400, after: 300 },
  { name: 'j', deps: ['f1', 'f2', 'f3', 'f4'], before: 100, after: 150 },
  { name: 'k', deps: ['j'], before: 100, after: 100 },
  { name: 'z', deps: ['k'], before: 200, after: 200 },
];
export const FAN_OUT = ['f1', 'f2', 'f3', 'f4'];

/**
 * A YAML manifest of `steps`, each running the append-line module (`module`: an absolute path,
 * or one relative to the manifest) into `file`.
 */
export function appendManifest(name: string, file: string, steps: Step[] = WORKFLOW, module = APPEND_MODULE): string {
  const lines = [`name: ${name}`, 'symbols:'];
  for (const s of steps) {
    lines.push(`  - name: ${s.name}`, '    type: action');
    if (s.deps?.length) lines.push(`    dependencies: [${s.deps.join(', ')}]`);
    lines.push(
      '    parameters:',
      '      operation: module',
      `      module: ${JSON.stringify(module)}`,
      `      file: ${JSON.stringify(file)}`,
      `      sleepBefore: ${s.before}`,
      `      sleepAfter: ${s.after}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface Line {
  runId: string;
  symbol: string;
  attempt: number;
}

/** The side-effect lines written so far (of `runId` only, when given). */
export function readLines(file: string, runId?: string): Line[] {
  if (!existsSync(file)) return [];
  const out: Line[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text === '') continue;
    const [id, symbol, attempt] = text.split(' ');
    if (runId === undefined || id === runId) out.push({ runId: id, symbol, attempt: Number(attempt) });
  }
  return out;
}

export function countBySymbol(lines: Line[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lines) counts[l.symbol] = (counts[l.symbol] ?? 0) + 1;
  return counts;
}

export interface TaskRow {
  name: string;
  status: string;
  attempts: number;
}

/**
 * The state database seen from the test process (its own connection, reads only), while
 * dispatchers come and go. WAL: reading never blocks their writes.
 */
export class DbWatch {
  private readonly db: Database;

  constructor(private readonly path: string) {
    this.db = new Database(path);
    this.db.run('PRAGMA busy_timeout = 5000');
  }

  /** Run ids, oldest first ([] while the database is still being created). */
  runIds(): string[] {
    try {
      return this.db.query<{ id: string }, []>('SELECT id FROM runs ORDER BY created_at').all().map((r) => r.id);
    } catch (err) {
      if (/no such table/.test(String(err))) return [];
      throw err;
    }
  }

  run(runId: string): { status: string; completed: number; failed: number } | null {
    return (
      this.db
        .query<{ status: string; completed: number; failed: number }, [string]>(
          'SELECT status, completed_tasks AS completed, failed_tasks AS failed FROM runs WHERE id = ?',
        )
        .get(runId) ?? null
    );
  }

  tasks(runId: string): TaskRow[] {
    return this.db
      .query<TaskRow, [string]>('SELECT name, status, attempts FROM tasks WHERE run_id = ? ORDER BY position')
      .all(runId);
  }

  statuses(runId: string): Record<string, string> {
    return Object.fromEntries(this.tasks(runId).map((t) => [t.name, t.status]));
  }

  owner(runId: string): string | null {
    return this.db.query<{ owner: string }, [string]>('SELECT owner FROM run_owners WHERE run_id = ?').get(runId)?.owner ?? null;
  }

  /** The pid in the run's owner (`host:pid:start`), or null. */
  ownerPid(runId: string): number | null {
    const owner = this.owner(runId);
    return owner === null ? null : Number(owner.split(':')[1]);
  }

  /** Journal rows per task actor that entered `succeeded`. */
  succeededTransitions(runId: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const t of readFileJournal(this.path, runId)) {
      if (t.actorKind !== 'task' || t.to !== 'succeeded') continue;
      const task = t.actorId.replace(/^task:/, '');
      counts[task] = (counts[task] ?? 0) + 1;
    }
    return counts;
  }

  integrity(): string[] {
    return this.db.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all().map((r) => r.integrity_check);
  }

  close(): void {
    this.db.close();
  }
}

/** Polls `check` every `intervalMs` until it returns something truthy; throws after `ms`. */
export async function waitUntil<T>(check: () => T | null | undefined | false, ms: number, what: string, intervalMs = 5): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await Bun.sleep(intervalMs);
  }
}

/** What was durable (database and side-effect file) right after one SIGKILL. */
export interface KillRecord {
  label: string;
  /** Which process was killed: 'dispatcher' (start-dispatcher) or 'run' (swarm run). */
  process: 'dispatcher' | 'run';
  statuses: Record<string, string>;
  lines: Record<string, number>;
  runStatus: string | null;
  integrity: string[];
}

/** SIGKILLs `child`, waits for it to be gone, and records what it left behind. */
export async function killAndRecord(
  child: { kill(signal: NodeJS.Signals): void; exited: Promise<number> },
  what: KillRecord['process'],
  label: string,
  watch: DbWatch,
  runId: string,
  file: string,
): Promise<KillRecord> {
  child.kill('SIGKILL');
  await child.exited;
  return {
    label,
    process: what,
    statuses: watch.statuses(runId),
    lines: countBySymbol(readLines(file, runId)),
    runStatus: watch.run(runId)?.status ?? null,
    integrity: watch.integrity(),
  };
}

/** One line per kill, for a failure message or the test log. */
export function describeKills(kills: KillRecord[]): string {
  return kills
    .map((k, i) => {
      const done = Object.entries(k.statuses).filter(([, s]) => s === 'succeeded').map(([n]) => n);
      const inFlight = Object.entries(k.statuses).filter(([, s]) => s !== 'succeeded' && s !== 'pending').map(([n, s]) => `${n}:${s}`);
      const lines = Object.entries(k.lines).map(([n, c]) => `${n}×${c}`);
      return `${String(i + 1).padStart(2)}. [${k.process}] ${k.label} — succeeded {${done.join(',')}} in flight {${inFlight.join(',')}} lines {${lines.join(',')}}`;
    })
    .join('\n');
}
