import { SqliteStore } from '../../src/store/index.ts';
import type { CommitOutcome } from '../../src/store/run-lease.ts';
import type { StoreBatch } from '../../src/store/types.ts';

/** A SQLite store whose disk "fills up" once `failAfter` commits have been written. */
export class FailingStore extends SqliteStore {
  commits = 0;
  constructor(
    path: string,
    private readonly failAfter: number,
  ) {
    super(path);
  }
  override commit(batch: StoreBatch): CommitOutcome {
    if (++this.commits > this.failAfter) throw new Error('database or disk is full');
    return super.commit(batch);
  }
}
