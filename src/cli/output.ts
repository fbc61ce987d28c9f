import { SQLiteError } from 'bun:sqlite';
import { exitCodeFor, SwarmError } from '../errors.ts';
import { withConfigSource } from './config-source.ts';
import { err, out } from './exit.ts';
import { jsonForTerminal } from '../terminal-text.ts';

/**
 * What commands print. With --json a command prints exactly one JSON document on stdout, and
 * that holds for errors too (`{"error": {...}}`); without it results go to stdout as text and
 * errors, warnings and notes go to stderr.
 */

/** Prints one JSON document on stdout (see jsonForTerminal). */
export function printJson(value: unknown): Promise<void> {
  return out(jsonForTerminal(JSON.stringify(value, null, 2)));
}

/**
 * The JSON form of an error: `{name, code, message, issues?, problems?}` (`problems`: how many in
 * all, when `issues` lists only the first, as for a manifest). An error a dispatcher answered
 * with keeps the dispatcher's code (`remoteCode`, see DispatcherError).
 */
export function errorJson(error: unknown): { name: string; code: string; message: string; issues?: unknown[]; problems?: number } {
  if (error instanceof Error) {
    const code = (error as { remoteCode?: unknown }).remoteCode ?? (error as { code?: unknown }).code;
    const issues = (error as { issues?: unknown }).issues;
    const problems = (error as { problems?: unknown }).problems;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'UNEXPECTED',
      message: error.message,
      ...(Array.isArray(issues) ? { issues } : {}),
      ...(Array.isArray(issues) && typeof problems === 'number' ? { problems } : {}),
    };
  }
  return { name: 'Error', code: 'UNEXPECTED', message: String(error) };
}

/** Prints an error the way the output mode wants it and returns its exit code. */
export async function reportError(thrown: unknown, json: boolean): Promise<number> {
  const error = asReported(thrown);
  if (json) await printJson({ error: errorJson(error) });
  else if (error instanceof SwarmError) await err(error.message);
  else await err(`swarm: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return exitCodeFor(error);
}

/**
 * An error as the CLI reports it: a failure of the state database SQLite raised itself becomes a
 * store error (see storeFailureOf); a config problem names the config it is in (config-source.ts).
 */
export function asReported(thrown: unknown): unknown {
  return storeFailureOf(thrown) ?? withConfigSource(thrown);
}

/** SQLite's codes for a file that is not (or no longer) a sound database. */
const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;
/** For another process's lock on it. */
const LOCKED = /^SQLITE_(BUSY|LOCKED)/;
/** For the disk or the file itself. */
const STORAGE = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|PERM|NOLFS|PROTOCOL)/;

/**
 * An error SQLite itself raised past the store's own checks (a read that met a damaged page, a
 * disk that failed mid-read, another process's lock held too long) is the state database's
 * failure, exit 3, not an unexpected one. Other SQLite errors (a statement the swarm got
 * wrong) stay unexpected.
 */
function storeFailureOf(error: unknown): SwarmError | null {
  if (!(error instanceof SQLiteError)) return null;
  const code = typeof error.code === 'string' ? error.code : '';
  const next = DAMAGED.test(code)
    ? 'The file is damaged: restore it from a backup, or point --db (or [dispatcher] state_db_path) at a new file to start afresh.'
    : LOCKED.test(code)
      ? 'Another process holds its write lock (a dispatcher, a big prune): try again once it is done.'
      : STORAGE.test(code)
        ? 'Check the disk and the file (its permissions, and that it is on a local disk), then try again.'
        : null;
  if (next === null) return null;
  return new SwarmError('STORE_UNAVAILABLE', `The state database failed: ${error.message} (${code}). ${next}`, { cause: error });
}

/** A warning or a note for the person at the terminal: always stderr. */
export function note(text: string): Promise<void> {
  return err(`swarm: ${text}`);
}

// ---- formatting -------------------------------------------------------------------------------

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local date and time, to the second: 2026-11-24 05:12:03. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(ms, false)}`;
}

/** Local time of day, with milliseconds when asked: 05:12:03.123. */
export function formatClock(ms: number, millis = true): string {
  const d = new Date(ms);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** A duration for people: 840 ms, 3.2 s, 4m 05s, 2h 03m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** `from`..`to` as a duration, or '' while the end is unknown. */
export function span(from: number | null, to: number | null): string {
  return from === null || to === null ? '' : formatDuration(to - from);
}

/** One line of at most `max` characters: newlines folded, an ellipsis when cut. */
export function truncate(text: string, max = 60): string {
  const line = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return line.length <= max ? line : line.slice(0, max - 1) + '…';
}

/** A task's output for a table cell: strings as they are, anything else as compact JSON. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
