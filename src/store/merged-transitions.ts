import type { TransitionRow } from './rows.ts';
import { DamagedJournalRowError } from './store-errors.ts';

/**
 * How the SQLite journal stays compact: transitions of one actor that come one after another in
 * one commit are one table row. The row's columns hold the last of them, with its seq; the
 * column `earlier` holds the ones before it, oldest first, as a JSON array of
 * `[from, to, event, at]` or `[from, to, event, at, payloadText]` (the payload's JSON text, as a
 * string, so it reads back byte for byte), and `earlier_count` how many. Their seqs are the ones
 * just below the row's: a row of k transitions with seq s holds s-k+1 … s, and seqs stay dense.
 *
 * Why: a journal row costs ~1.5–2 µs inside a commit (the row, its index entry, its WAL bytes),
 * and a task makes five transitions in two or three bursts (created, ready and assigned when it
 * is activated; started and ended in one report of its thread). Why the last one in the
 * columns: `seq > n` and `max(seq)` stay exact on the table, and SQL that looks for an actor's
 * latest state finds it where it was.
 *
 * Every reader expands rows back into one record per transition (`expandRow`); the other stores
 * keep one row per transition, and the conformance suite checks they all read alike.
 */

/** At most this many transitions in one row: bounds a row's size and its expansion. */
export const MAX_TRANSITIONS_PER_ROW = 32;

/** The part of a transition a row stores per transition: no run, actor or seq (the row's). */
export interface RowTransition {
  from: string | null;
  to: string;
  event: string;
  payload: string | null;
  at: number;
}

/** One entry of `earlier`, as stored. */
export type EarlierEntry = [from: string | null, to: string, event: string, at: number, payload?: string];

/** Whether two consecutive journal rows of a batch may share a table row. */
export function sameActor(a: Pick<TransitionRow, 'runId' | 'actorId' | 'actorKind'>, b: Pick<TransitionRow, 'runId' | 'actorId' | 'actorKind'>): boolean {
  return a.actorId === b.actorId && a.runId === b.runId && a.actorKind === b.actorKind;
}

/** `rows[start..end)` as the `earlier` column. */
export function encodeEarlier(rows: readonly RowTransition[], start: number, end: number): string {
  let text = '[';
  for (let i = start; i < end; i++) {
    const t = rows[i];
    if (i > start) text += ',';
    text += `[${t.from === null ? 'null' : quoted(t.from)},${quoted(t.to)},${quoted(t.event)},${JSON.stringify(t.at)}`;
    text += t.payload === null ? ']' : `,${JSON.stringify(t.payload)}]`;
  }
  return `${text}]`;
}

/**
 * Calls `take` with each transition a row holds, oldest first, that is after `afterSeq`: the
 * earlier ones (seqs below the row's) and then the row's own.
 */
export function expandRow(
  seq: number,
  earlier: string | null,
  own: RowTransition,
  afterSeq: number,
  take: (seq: number, t: RowTransition) => void,
): void {
  if (earlier !== null) {
    const entries = earlierEntries(earlier, seq);
    const first = seq - entries.length;
    for (let i = 0; i < entries.length; i++) {
      if (first + i <= afterSeq) continue;
      const [from, to, event, at, payload] = entries[i];
      take(first + i, { from, to, event, at, payload: payload ?? null });
    }
  }
  if (seq > afterSeq) take(seq, own);
}

/**
 * The transitions a row's `earlier` column holds, oldest first: the i-th has seq
 * `seq - entries.length + i`. For readers that expand rows in a loop of their own (a bulk read
 * builds half a million records; a callback and an object per transition show in its profile).
 */
export function earlierEntries(text: string, seq: number): readonly EarlierEntry[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    entries = null;
  }
  // A row another program wrote (or damaged) must not pass for transitions it does not hold.
  if (!Array.isArray(entries) || !entries.every(isEntry)) throw new DamagedJournalRowError(seq, 'an unreadable "earlier" column');
  return entries;
}

function isEntry(e: unknown): e is EarlierEntry {
  return (
    Array.isArray(e) && (e.length === 4 || (e.length === 5 && typeof e[4] === 'string')) &&
    (e[0] === null || typeof e[0] === 'string') && typeof e[1] === 'string' && typeof e[2] === 'string' && typeof e[3] === 'number'
  );
}

/** States and events are a small vocabulary: their JSON text is made once each. */
const QUOTED = new Map<string, string>();
const MAX_QUOTED = 1_000;

function quoted(text: string): string {
  let q = QUOTED.get(text);
  if (q === undefined) {
    q = JSON.stringify(text);
    if (QUOTED.size < MAX_QUOTED) QUOTED.set(text, q);
  }
  return q;
}
