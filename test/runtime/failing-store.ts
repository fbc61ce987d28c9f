import { SqliteStore } from '../../src/store/index.ts';
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
  override commit(batch: StoreBatch): void {
    if (++this.commits > this.failAfter) throw new Error('database or disk is full');
    super.commit(batch);
  }
}
