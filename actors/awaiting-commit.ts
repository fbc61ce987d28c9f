import type { RunStatus, TaskStatus } from '../src/store/types.ts';

/** A symbol's rollback that ended during a compensation, and how. */
export interface CompensationEnded {
  i: number;
  status: TaskStatus;
}

/** What one commit carried, to be acted on once it is durable. */
export interface SealedForCommit {
  /** Succeeded tasks whose dependents may start. */
  settled: number[];
  /** Rollbacks that ended: the next may start. */
  compensated: CompensationEnded[];
  /** A compensation asked for: its rollbacks read the succeeded outputs from the store. */
  compensation: boolean;
  /** The run's end, its final transition in this commit. */
  finishing: RunStatus | null;
}

/**
 * What a run waits to do until its rows are durable (the commit barrier's beforeCommit and
 * afterCommit). Asked-for work goes in as it comes; `seal` takes what was asked until a commit
 * begins, and `take` hands it back once that commit landed. What is asked for while a commit is
 * on its way waits for the next, and a commit that was refused leaves what it sealed for the one
 * that succeeds after it.
 */
export class AwaitingCommit {
  private settled: number[] = [];
  private compensated: CompensationEnded[] = [];
  private compensation = false;
  private finishing: RunStatus | null = null;
  private sealed: SealedForCommit = { settled: [], compensated: [], compensation: false, finishing: null };

  /** A succeeded task with dependents waiting to start. */
  settledTask(i: number): void {
    this.settled.push(i);
  }

  /** A rollback of the compensation ended. */
  compensationEnded(ended: CompensationEnded): void {
    this.compensated.push(ended);
  }

  compensationRequested(): void {
    this.compensation = true;
  }

  finish(status: RunStatus): void {
    this.finishing = status;
  }

  /** A commit begins: what was asked until now rides on it (added to what a refused one left). */
  seal(): void {
    const sealed = this.sealed;
    for (const i of this.settled) sealed.settled.push(i);
    this.settled = [];
    for (const ended of this.compensated) sealed.compensated.push(ended);
    this.compensated = [];
    sealed.compensation ||= this.compensation;
    this.compensation = false;
    sealed.finishing = this.finishing ?? sealed.finishing;
    this.finishing = null;
  }

  /** The commit landed: what it carried, now durable. */
  take(): SealedForCommit {
    const taken = this.sealed;
    this.sealed = { settled: [], compensated: [], compensation: false, finishing: null };
    return taken;
  }
}
