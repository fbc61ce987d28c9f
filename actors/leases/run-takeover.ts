import type { CommandLine } from '../../src/command-line.ts';
import { UsageError } from '../../src/errors.ts';
import { takeoverBasis } from '../../src/run-owner.ts';
import { storeWriteError } from '../../src/store/store-errors.ts';
import type { RunLease } from '../../src/store/run-lease.ts';
import type { SwarmStore } from '../../src/store/types.ts';
import type { RunLeases } from './run-leases.ts';

/** A run this process has just taken the lease of, and from whom. */
export interface Takeover {
  epoch: number;
  why: NonNullable<ReturnType<typeof takeoverBasis>> | 'finished';
  /** The lease as it was before: null when the run had none. */
  previous: RunLease | null;
}

/**
 * Taking runs over from other processes: deciding which may be taken (src/run-owner.ts
 * takeoverBasis), and taking their lease with a compare-and-set on the epoch read, so that of
 * two dispatchers claiming the same orphan only one hosts it. A lease taken is handed to
 * RunLeases, which renews it from then on.
 */
export class RunTakeover {
  constructor(
    private readonly store: SwarmStore,
    private readonly owner: string,
    private readonly leases: RunLeases,
  ) {}

  /**
   * Takes an unfinished run over. UsageError while its owner holds it (alive, lease running),
   * or when another process took it first; the store's error as STORE_UNAVAILABLE.
   * `commandLine` writes the commands the refusal names (DispatcherOptions).
   */
  claim(runId: string, commandLine: CommandLine): Takeover {
    const previous = this.store.getRunLease(runId);
    const why = takeoverBasis(previous);
    if (why === null) {
      const { owner, epoch } = previous!;
      // Past epoch 1 the run was taken up already (a dispatcher, a resume): it goes on there.
      throw new UsageError(
        epoch > 1
          ? `Run ${runId} was taken up by another process (${owner}${leaseLeft(previous!)}), which hosts it now: follow it with \`${commandLine(['watch', runId])}\` or \`${commandLine(['show', runId])}\`.`
          : `Run ${runId} is still hosted by a live process (${owner}${leaseLeft(previous!)}); stop that one first.`,
      );
    }
    return { epoch: this.take(runId, previous, why === 'expired'), why, previous };
  }

  /**
   * Takes a finished run's lease (a rollback by request): whoever hosted it is done with it,
   * so only the epoch is compared.
   */
  claimFinished(runId: string): Takeover {
    const previous = this.store.getRunLease(runId);
    return { epoch: this.take(runId, previous, false), why: 'finished', previous };
  }

  /**
   * Unfinished runs this process does not host that may be taken over now. `expiredToo` false
   * leaves out the runs whose only claim is an expired lease (see Dispatcher: just after an
   * outage, the others have not had the time to renew theirs).
   */
  orphans(hostedHere: (runId: string) => boolean, expiredToo: boolean): string[] {
    // Ids first: reading every unfinished run with its manifest would cost a large run's
    // manifest decode each time, though most of them are alive.
    return this.store.listUnfinishedRunIds().filter((id) => {
      if (hostedHere(id)) return false;
      const why = takeoverBasis(this.store.getRunLease(id));
      return why !== null && (expiredToo || why !== 'expired');
    });
  }

  private take(runId: string, previous: RunLease | null, onlyIfExpired: boolean): number {
    const acquiredAt = this.leases.now();
    let epoch: number | null;
    try {
      epoch = this.store.claimRunLease(runId, {
        owner: this.owner,
        leaseMs: this.leases.leaseMs,
        fromEpoch: previous?.epoch ?? 0,
        onlyIfExpired,
      });
    } catch (err) {
      throw storeWriteError(this.store.location, err);
    }
    if (epoch === null) {
      throw new UsageError(`Run ${runId} was just taken up by another process (${this.store.getRunLease(runId)?.owner ?? 'unknown'}).`);
    }
    this.leases.adopt(runId, epoch, acquiredAt);
    return epoch;
  }
}

function leaseLeft(lease: RunLease): string {
  if (lease.expiresInMs === null) return ', recorded before leases: it is released only when that process is gone';
  return `, which renews its lease; it would run out in ${Math.max(1, Math.ceil(lease.expiresInMs / 1000))} s`;
}
