import type { Database } from 'bun:sqlite';
import { decodeJson } from './json-columns.ts';
import { earlierEntries } from './merged-transitions.ts';
import type { ActorKind, TransitionRecord } from './types.ts';

/**
 * How the bulk readers (bulk-journal-reader.ts) turn the journal's table rows into one record
 * per transition: the columns they select, the records they make, and the texts those share.
 */

/** A journal row whose payload is decoded when first read. */
export class StoredTransition implements TransitionRecord {
  private decoded: unknown = undefined;
  private isDecoded = false;

  constructor(
    readonly seq: number,
    readonly runId: string | null,
    readonly actorId: string,
    readonly actorKind: ActorKind,
    readonly from: string | null,
    readonly to: string,
    readonly event: string,
    /** The payload as stored: JSON text, or null. */
    readonly payloadText: string | null,
    readonly at: number,
  ) {}

  get payload(): unknown {
    if (!this.isDecoded) {
      this.decoded = decodeJson(this.payloadText);
      this.isDecoded = true;
    }
    return this.decoded;
  }

  toJSON(): TransitionRecord {
    return plainTransition(this);
  }
}

/**
 * A row as a plain record of its nine fields, `payload` given or its own: what may be spread or
 * sent. A StoredTransition spread (`{...row}`) would carry the reader's own fields, the stored
 * payload text with it (and any stack in it), not its decoded payload.
 */
export function plainTransition(row: TransitionRecord, payload = row.payload): TransitionRecord {
  const { seq, runId, actorId, actorKind, from, to, event, at } = row;
  return { seq, runId, actorId, actorKind, from, to, event, payload, at };
}

/** The payload of a row as JSON text (its stored text when there is one), '' for none. */
export function payloadTextOf(row: TransitionRecord): string {
  if (row instanceof StoredTransition) return row.payloadText ?? '';
  return row.payload === null || row.payload === undefined ? '' : JSON.stringify(row.payload);
}

/**
 * A journal row as these readers select it, in this order (see `StoredRows`). Its kind, from,
 * to and event come as one text, the row's `shape`: SQLite makes a fresh string for each text
 * it returns (~0.1–0.2 µs each), and a run's rows have a few dozen shapes between them, so one
 * string made and looked up per row instead of four. A missing `from` is `!`, a present one is
 * prefixed with `=`, so the two cannot be confused.
 */
const SHAPE = `actor_kind || char(31) || coalesce('=' || from_state, '!') || char(31) || to_state || char(31) || event`;
export const ROW_COLUMNS = `seq, actor_id, ${SHAPE}, payload, at, earlier`;
export type RowValues = [seq: number, actorId: string, shape: string, payload: string | null, at: number, earlier: string | null];

/** A row's kind, from, to and event. */
interface RowShape {
  kind: ActorKind;
  from: string | null;
  to: string;
  event: string;
}

/** Texts shared between rows: up to this many distinct ones (and shapes), of up to this length. */
const MAX_SHARED = 10_000;
const MAX_SHARED_LENGTH = 64;

/**
 * Expands rows read through one connection into one StoredTransition per transition (see
 * merged-transitions.ts). The few distinct shapes, states, events and short payloads are
 * shared rather than held once per transition: a 100k-task journal then holds about half the
 * memory, and comparing them is comparing references.
 */
export class StoredRows {
  private readonly texts = new Map<string, string>();
  private readonly shapes = new Map<string, RowShape>();

  constructor(
    private readonly db: Database,
    private readonly runId: string,
  ) {}

  /** Appends to `out` (a new list if none) each transition `rows` hold after `afterSeq`, oldest first; returns `out`. */
  expand(rows: readonly RowValues[], afterSeq: number, out: StoredTransition[] = []): StoredTransition[] {
    const runId = this.runId;
    for (let r = 0; r < rows.length; r++) {
      const [seq, actorId, shapeText, payload, at, earlier] = rows[r];
      const shape = this.shapeOf(shapeText, seq);
      if (earlier !== null) {
        const entries = earlierEntries(earlier, seq);
        const first = seq - entries.length;
        for (let i = 0; i < entries.length; i++) {
          if (first + i <= afterSeq) continue;
          const [from, to, event, entryAt, entryPayload] = entries[i];
          out.push(
            new StoredTransition(first + i, runId, actorId, shape.kind, this.share(from), this.share(to)!, this.share(event)!, this.share(entryPayload ?? null), entryAt),
          );
        }
      }
      if (seq > afterSeq) out.push(new StoredTransition(seq, runId, actorId, shape.kind, shape.from, shape.to, shape.event, this.share(payload), at));
    }
    return out;
  }

  private share(text: string | null): string | null {
    if (text === null || text.length > MAX_SHARED_LENGTH) return text;
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    if (this.texts.size < MAX_SHARED) this.texts.set(text, text);
    return text;
  }

  private shapeOf(text: string, seq: number): RowShape {
    const known = this.shapes.get(text);
    if (known !== undefined) return known;
    const parts = text.split('\x1f');
    const from = parts[1];
    if (!(parts.length === 4 && (from === '!' || from.startsWith('=')))) {
      // A name holding the separator: the text is ambiguous (from "a\x1fb" to "c", or from "a"
      // to "b\x1fc"), so this row's columns are read as they are, and nothing is kept.
      return this.columnsOf(seq);
    }
    const shape = { kind: this.share(parts[0]) as ActorKind, from: from === '!' ? null : this.share(from.slice(1)), to: this.share(parts[2])!, event: this.share(parts[3])! };
    if (this.shapes.size < MAX_SHARED && text.length <= 4 * MAX_SHARED_LENGTH) this.shapes.set(text, shape);
    return shape;
  }

  /** Read in the same read transaction as the row itself (every reader holds one), so it is there. */
  private columnsOf(seq: number): RowShape {
    return this.db
      .query<RowShape, [number]>('SELECT actor_kind AS kind, from_state AS "from", to_state AS "to", event FROM transitions WHERE seq = ?')
      .get(seq)!;
  }
}

/** Table rows read per query by readRunRows. */
export const READ_CHUNK = 16_384;

/**
 * Every transition of a run after `afterSeq`, oldest first, read a chunk of table rows at a
 * time, within the caller's read transaction: each chunk's row arrays die young,
 * rather than 300k of them outliving collections while half a million records are made.
 */
export function readRunRows(db: Database, runId: string, afterSeq: number): StoredTransition[] {
  const chunk = db.query<unknown[], [string, number]>(`SELECT ${ROW_COLUMNS} FROM transitions WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ${READ_CHUNK}`);
  const reader = new StoredRows(db, runId);
  const out: StoredTransition[] = [];
  for (let after = afterSeq; ; ) {
    const rows = chunk.values(runId, after) as RowValues[];
    // A row's earlier transitions have seqs below its own but above the row before it.
    reader.expand(rows, afterSeq, out);
    if (rows.length < READ_CHUNK) return out;
    after = rows[rows.length - 1][0];
  }
}
