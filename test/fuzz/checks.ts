import { resolve } from 'node:path';
import { allowKnown } from './prng.ts';
import { knownIssueOf } from './known.ts';

/** The repository root: no message a user sees may name a file under it. */
export const ROOT = resolve(import.meta.dir, '../..');

/**
 * What must never reach a user or a client: stack frames, the repository's file paths, and the
 * words of JavaScript's own errors (a crash's message instead of the swarm's). Returns what was
 * found, or null.
 */
export function leakIn(text: string): string | null {
  if (text.length === 0) return null;
  const frame = /^\s*at\s+(?:[^\n]*\()?(?:\/|file:|node:|bun:|native|<anonymous>)[^\n]*/m.exec(text);
  if (frame) return `a stack frame: ${shorten(frame[0].trim(), 120)}`;
  const checks: [RegExp, string][] = [
    [new RegExp(escapeRegExp(ROOT) + '/(?:src|actors|machines|node_modules|test)\\b'), 'a path of the repository'],
    [/node_modules\//, 'a node_modules path'],
    [/\b[\w/.-]+\.ts:\d+(?::\d+)?/, 'a source file position'],
    [/\bRangeError\b/, '"RangeError"'],
    [/\bTypeError\b/, '"TypeError"'],
    [/\bReferenceError\b/, '"ReferenceError"'],
    [/undefined is not/, '"undefined is not"'],
    [/null is not an object/, '"null is not an object"'],
    [/Cannot read propert/, '"Cannot read properties"'],
    [/is not a function/, '"is not a function"'],
    [/Maximum call stack/, '"Maximum call stack"'],
    [/\bbun:[a-z]+\b.*\n\s*at/, 'a Bun internal frame'],
  ];
  for (const [re, what] of checks) {
    const m = re.exec(text);
    if (m) return `${what}: …${shorten(text.slice(Math.max(0, m.index - 40), m.index + 80), 160)}…`;
  }
  return null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function shorten(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/** A readable, bounded rendering of an input (control characters escaped). */
export function showInput(input: string | Uint8Array, max = 600): string {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const escaped = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${escaped}… (${text.length} chars in all)` : escaped;
}

export interface Failure {
  /** The failure's class: cases of one class are one bug. */
  cls: string;
  index: number;
  /** What the generator did to make the case. */
  label: string;
  /** The (minimized where possible) input, shown bounded. */
  input: string;
  /** What happened. */
  detail: string;
  /** Length of the raw input, to keep the smallest reproducer of each class. */
  size: number;
}

/** Failures of one fuzzer, grouped by class, each with its smallest reproducer. */
export class Failures {
  private readonly byClass = new Map<string, { first: Failure; count: number }>();
  constructor(
    readonly fuzzer: string,
    readonly seed: number,
  ) {}

  add(failure: Failure): void {
    const seen = this.byClass.get(failure.cls);
    if (!seen) this.byClass.set(failure.cls, { first: failure, count: 1 });
    else {
      seen.count++;
      if (failure.size < seen.first.size) seen.first = failure;
    }
  }

  get size(): number {
    return this.byClass.size;
  }

  classes(): { cls: string; count: number; failure: Failure; known: string | null }[] {
    return [...this.byClass.entries()].map(([cls, { first, count }]) => ({ cls, count, failure: first, known: knownIssueOf(cls) }));
  }

  /** The report printed on failure: seed, how to reproduce, one block per class. */
  report(): string {
    const lines = [`${this.fuzzer}: ${this.byClass.size} failure class(es), FUZZ_SEED=${this.seed}`];
    for (const { cls, count, failure, known } of this.classes()) {
      lines.push(
        `- [${known ? `KNOWN: ${known}` : 'NEW'}] ${cls} (${count} case(s))`,
        `    reproduce: FUZZ_SEED=${this.seed} FUZZ_ONLY=${failure.index} npx bun test test/fuzz/${this.fuzzer}.test.ts`,
        `    case: ${failure.label}`,
        `    input: ${failure.input}`,
        `    happened: ${shorten(failure.detail, 800)}`,
      );
    }
    return lines.join('\n');
  }

  /** The classes that fail the test: all of them, or only the unknown ones under FUZZ_ALLOW_KNOWN=1. */
  failing(): string[] {
    return this.classes()
      .filter((c) => !(allowKnown() && c.known))
      .map((c) => c.cls);
  }
}

/** Prints the report (when there is something to say) and returns the failing classes, for `expect(...).toEqual([])`. */
export function finish(failures: Failures): string[] {
  if (failures.size > 0) console.error('\n' + failures.report() + '\n');
  return failures.failing();
}

/** Resident memory of a process, in MiB (Linux /proc), or null when it is gone. */
export async function rssMiB(pid: number): Promise<number | null> {
  try {
    const status = await Bun.file(`/proc/${pid}/status`).text();
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
