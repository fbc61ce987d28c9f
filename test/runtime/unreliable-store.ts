import { SqliteStore } from '../../src/store/index.ts';
import { PostgresUnavailableError } from '../../src/store/postgres/errors.ts';
import type { CommitOutcome, LeaseClaim, RunFence, RunLease } from '../../src/store/run-lease.ts';
import type { StoreBatch } from '../../src/store/types.ts';

/**
 * A SQLite store that can "lose its server": while `down`, the calls a dispatcher makes during
 * a run fail as a PostgreSQL store's do when its connection drops (PostgresUnavailableError,
 * transient), and `loseAnswerThenGoDown()` makes the next commit land but report the dropped
 * connection — the ambiguous case a retry must not write twice.
 */
export class UnreliableStore extends SqliteStore {
  down = false;
  /** Commits that reached the database, duplicates recognised included. */
  landed = 0;
  duplicates = 0;
  private loseAnswer = false;

  loseAnswerThenGoDown(): void {
    this.loseAnswer = true;
  }

  override commit(batch: StoreBatch): CommitOutcome {
    this.check();
    const outcome = super.commit(batch);
    this.landed++;
    if (outcome.duplicate) this.duplicates++;
    if (this.loseAnswer) {
      this.loseAnswer = false;
      this.down = true;
      throw this.unavailable();
    }
    return outcome;
  }

  override renewRunLeases(owner: string, leases: readonly RunFence[], leaseMs: number): string[] {
    this.check();
    return super.renewRunLeases(owner, leases, leaseMs);
  }

  override getRunLease(runId: string): RunLease | null {
    this.check();
    return super.getRunLease(runId);
  }

  override claimRunLease(runId: string, claim: LeaseClaim): number | null {
    this.check();
    return super.claimRunLease(runId, claim);
  }

  override listUnfinishedRunIds(): string[] {
    this.check();
    return super.listUnfinishedRunIds();
  }

  private check(): void {
    if (this.down) throw this.unavailable();
  }

  private unavailable(): PostgresUnavailableError {
    return new PostgresUnavailableError(this.location, 'connection', 'the connection was closed (a test: the server is down)');
  }
}
