import { SwarmError } from '../../../src/errors.ts';

/** Where a re-simulation first parted from the record. */
export interface DivergencePoint {
  /**
   * `transition`: a journal row the machines do not reproduce (or one they would have written
   * that the journal lacks). `projection`: the rows replay, but a stored projection (a task's
   * or the run's row) disagrees with what they rebuild.
   */
  kind: 'transition' | 'projection';
  /** The row that diverged; for a projection, the actor's last row (null when it has none). */
  seq: number | null;
  actorId: string;
  /** The row's event (null for a projection of an actor without rows). */
  event: string | null;
  /** The projection field that differs (`status`, `output`, …), for kind `projection`. */
  field: string | null;
  /** What the record says, and what the simulation got instead, both as short text. */
  expected: string;
  got: string;
}

/**
 * The journal and the machines disagree: re-simulating the run's transitions without executing
 * anything did not reproduce the record. Either a machine changed in a way that alters recorded
 * behaviour, or the journal (or a projection) was altered. Exit code 1: the check failed; the
 * input was well-formed.
 */
export class JournalDivergenceError extends SwarmError implements DivergencePoint {
  override name = 'JournalDivergenceError';
  readonly kind: DivergencePoint['kind'];
  readonly seq: number | null;
  readonly actorId: string;
  readonly event: string | null;
  readonly field: string | null;
  readonly expected: string;
  readonly got: string;

  constructor(point: DivergencePoint) {
    super('JOURNAL_DIVERGED', describe(point));
    this.kind = point.kind;
    this.seq = point.seq;
    this.actorId = point.actorId;
    this.event = point.event;
    this.field = point.field;
    this.expected = point.expected;
    this.got = point.got;
  }

  /** The point as plain data (for --json). */
  toJSON(): DivergencePoint & { name: string; code: string; message: string } {
    const { kind, seq, actorId, event, field, expected, got } = this;
    return { name: this.name, code: this.code, message: this.message, kind, seq, actorId, event, field, expected, got };
  }
}

function describe(p: DivergencePoint): string {
  const at = p.seq === null ? '' : ` at seq ${p.seq}`;
  if (p.kind === 'projection') {
    return `The journal replays, but the stored ${p.field ?? 'projection'} of ${p.actorId}${at} is not what it rebuilds: stored ${p.expected}, re-simulated ${p.got}.`;
  }
  return `The journal diverges${at} (${p.actorId}, event ${p.event ?? '?'}): recorded ${p.expected}, re-simulated ${p.got}.`;
}

/** Of several divergences, the one the journal reaches first (projections come after every row). */
export function firstDivergence(points: Iterable<DivergencePoint | null>): DivergencePoint | null {
  let first: DivergencePoint | null = null;
  for (const p of points) {
    if (p && (first === null || order(p) < order(first))) first = p;
  }
  return first;
}

function order(p: DivergencePoint): number {
  return p.kind === 'projection' ? Number.MAX_SAFE_INTEGER : (p.seq ?? -1);
}
