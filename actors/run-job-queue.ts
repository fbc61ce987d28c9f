import type { JobOwner, ReadyJob, SwarmScheduler } from './swarm-scheduler.ts';

const RUN_JOBS: ReadonlySet<ReadyJob['kind']> = new Set(['run']);
const ALL_JOBS: ReadonlySet<ReadyJob['kind']> = new Set(['run', 'rollback']);

type Job = Omit<ReadyJob, 'seq'>;

/**
 * Where one run's ready jobs go: into the swarm scheduler, or kept back here.
 * - Parked while the run is paused (its coordinator's `pauseDispatching`): run jobs only, since
 *   a rollback under way is never paused.
 * - Held while the run may not dispatch at all: its lease could not be renewed in time, or the
 *   state database is unavailable (actors/leases/). Every job, rollbacks too: nothing this
 *   process starts then could be recorded, or the run may be another's already. Holding is not
 *   a state of the run's machines — nothing is journaled — and releasing puts the jobs back
 *   exactly as they were (into the parked list if the run was paused meanwhile).
 */
export class RunJobQueue {
  private parked: ReadyJob[] | null = null;
  private held: ReadyJob[] | null = null;

  constructor(
    private readonly owner: JobOwner,
    private readonly scheduler: SwarmScheduler,
  ) {}

  get isHeld(): boolean {
    return this.held !== null;
  }

  enqueue(job: Job): void {
    if (this.held) this.held.push({ ...job, seq: 0 });
    else if (job.kind === 'run' && this.parked) this.parked.push({ ...job, seq: 0 });
    else this.scheduler.enqueue(job);
  }

  park(): void {
    this.parked = this.scheduler.withdraw(this.owner, RUN_JOBS);
  }

  unpark(): void {
    const parked = this.parked ?? [];
    this.parked = null;
    for (const { seq: _seq, ...job } of parked) this.enqueue(job);
  }

  hold(): void {
    if (this.held) return;
    this.held = this.scheduler.withdraw(this.owner, ALL_JOBS);
  }

  /** A job the scheduler handed over while the run may not dispatch: kept, first in line. */
  holdBack(job: ReadyJob): void {
    this.hold();
    this.held!.unshift(job);
  }

  release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    for (const { seq: _seq, ...job } of held) this.enqueue(job);
  }

  /** A cancel: no run job will go out any more (rollbacks still do). */
  dropRunJobs(): void {
    this.parked = null;
    this.scheduler.withdraw(this.owner, RUN_JOBS);
    if (this.held) this.held = this.held.filter((job) => job.kind !== 'run');
  }

  /** The run is given up here: nothing more goes out. */
  clear(): void {
    this.parked = null;
    this.held = null;
    this.scheduler.withdraw(this.owner, ALL_JOBS);
  }
}
