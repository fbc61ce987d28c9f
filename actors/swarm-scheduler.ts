import type { Clock } from '../src/clock.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import { BinaryHeap } from '../src/scheduling/binary-heap.ts';
import type { NodeRuntime } from './node-runtime.ts';

/** Who a ready job belongs to, and how it is handed over once a node is chosen. */
export interface JobOwner {
  readonly runId: string;
  dispatch(job: ReadyJob, node: NodeRuntime): void;
  /** No node in the swarm has the job's capability at all. */
  unservable(job: ReadyJob, reason: string): void;
}

export interface ReadyJob {
  owner: JobOwner;
  index: number;
  kind: 'run' | 'rollback';
  priority: number;
  target: DispatchTarget;
  /** Arrival order: ties on priority go first-come first-served. */
  seq: number;
}

export interface SchedulerOptions {
  /** Highest priority first; when false, strictly first-come first-served. */
  priorityQueue: boolean;
  /** Prefer the least loaded capable node; when false, the first capable node with a free slot. */
  loadBalancing: boolean;
  /**
   * How long jobs wait for a node that offers their dispatch target to join the swarm before
   * they are handed back as unservable. Absent or 0: at once, for a swarm no node can join
   * (`swarm run`). A long-lived dispatcher waits, since a worker may be starting or
   * reconnecting; the clock and `now` drive the deadline.
   */
  nodeWait?: { ms: number; clock: Clock; now: () => number };
}

/**
 * The swarm-wide ready queue and node choice. One heap per dispatch target, so a job that
 * only a busy PHP node can take never holds back internal work behind it; among the targets
 * that have a free capable node, the best head (priority, then arrival) goes first.
 * Rollbacks jump the queue: compensating a failure is more urgent than new work.
 */
export class SwarmScheduler {
  private readonly queues = new Map<DispatchTarget, BinaryHeap<ReadyJob>>();
  private readonly nodes: NodeRuntime[] = [];
  private seq = 0;
  private pumpQueued = false;
  /** Targets a node is about to offer (a health check in progress), with how many such nodes. */
  private readonly expected = new Map<DispatchTarget, number>();
  /** Targets no node offers, with when that was first seen (see `nodeWait`). */
  private readonly missingSince = new Map<DispatchTarget, number>();
  /** Targets whose node was removed because it broke, with why (see removeNode). */
  private readonly brokenBy = new Map<DispatchTarget, string>();
  private waitTimer: unknown = null;

  constructor(private readonly options: SchedulerOptions) {}

  addNode(node: NodeRuntime): void {
    this.nodes.push(node);
    for (const target of node.capabilities) this.brokenBy.delete(target);
    this.schedulePump();
  }

  /**
   * A node offering `targets` is on its way (e.g. its backends are being checked): jobs for
   * them wait, with no deadline, until the returned function is called — after the node was
   * added, or when it will not come — and are then judged as usual.
   */
  expectNodes(targets: readonly DispatchTarget[]): () => void {
    for (const t of targets) this.expected.set(t, (this.expected.get(t) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const t of targets) {
        const n = (this.expected.get(t) ?? 1) - 1;
        if (n > 0) this.expected.set(t, n);
        else this.expected.delete(t);
      }
      this.schedulePump();
    };
  }

  /** `broken`: why the node can run nothing (said when a job finds no node for what it offered). */
  removeNode(node: NodeRuntime, broken?: string): void {
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
    if (broken !== undefined) for (const target of node.capabilities) this.brokenBy.set(target, broken);
  }

  /** Cancels the pending wake-up for jobs waiting on a capable node (dispatcher shutdown). */
  close(): void {
    if (this.waitTimer !== null) this.options.nodeWait?.clock.clearTimeout(this.waitTimer);
    this.waitTimer = null;
  }

  get priorityOrdered(): boolean {
    return this.options.priorityQueue;
  }

  /** Slots across all nodes. */
  totalCapacity(): number {
    let n = 0;
    for (const node of this.nodes) n += node.capacity;
    return n;
  }

  enqueue(job: Omit<ReadyJob, 'seq'>): void {
    let queue = this.queues.get(job.target);
    if (!queue) {
      queue = new BinaryHeap<ReadyJob>((a, b) => this.before(a, b));
      this.queues.set(job.target, queue);
    }
    queue.push({ ...job, seq: this.seq++ });
    this.schedulePump();
  }

  /** Takes a run's queued jobs of the given kinds out of the queue (pause, cancel). */
  withdraw(owner: JobOwner, kinds: ReadonlySet<ReadyJob['kind']>): ReadyJob[] {
    const out: ReadyJob[] = [];
    for (const [target, queue] of this.queues) {
      out.push(...queue.removeWhere((job) => job.owner === owner && kinds.has(job.kind)));
      // The wait for a node measures how long jobs have waited: none waits now (a paused run's
      // jobs left), so jobs queued again later (it resumes) get the whole wait.
      if (queue.size === 0) this.missingSince.delete(target);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  queuedCount(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.size;
    return n;
  }

  /** Coalesces many wake-ups (completions, new jobs) into one pass over the queues. */
  schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  pump(): void {
    for (;;) {
      let best: { queue: BinaryHeap<ReadyJob>; job: ReadyJob; node: NodeRuntime } | null = null;
      for (const [target, queue] of this.queues) {
        const job = queue.peek();
        if (!job) continue;
        if (!this.nodes.some((n) => n.capabilities.has(target))) {
          if (this.stillWaiting(target)) continue;
          // Nothing in the swarm offers this target, and none joined in time: every job
          // queued for it fails now.
          const reason = this.unservableReason(target);
          for (let j = queue.pop(); j !== undefined; j = queue.pop()) j.owner.unservable(j, reason);
          this.missingSince.delete(target);
          continue;
        }
        this.missingSince.delete(target);
        if (best && !this.before(job, best.job)) continue;
        const node = this.pickNode(target);
        if (node) best = { queue, job, node };
      }
      if (!best) return;
      best.queue.pop();
      best.job.owner.dispatch(best.job, best.node);
    }
  }

  /**
   * Whether jobs for a target no node offers may wait longer. The first time a target is
   * seen missing its deadline starts, and a timer pumps again when the earliest one falls
   * due; a node that joins meanwhile pumps by itself (addNode).
   */
  private stillWaiting(target: DispatchTarget): boolean {
    if (this.expected.has(target)) return true;
    const wait = this.options.nodeWait;
    if (!wait || wait.ms <= 0) return false;
    const now = wait.now();
    let since = this.missingSince.get(target);
    if (since === undefined) {
      since = now;
      this.missingSince.set(target, since);
    }
    if (now - since >= wait.ms) return false;
    if (this.waitTimer === null) {
      this.waitTimer = wait.clock.setTimeout(() => {
        this.waitTimer = null;
        this.pump();
      }, since + wait.ms - now);
    }
    return true;
  }

  private pickNode(target: DispatchTarget): NodeRuntime | null {
    let chosen: NodeRuntime | null = null;
    let chosenLoad = Infinity;
    for (const node of this.nodes) {
      if (!node.capabilities.has(target)) continue;
      const free = node.freeSlots(target);
      if (free <= 0) continue;
      if (!this.options.loadBalancing) return node;
      // Load is what the node holds (running, and held ahead of its slots while tasks are
      // quick) against its capacity, not its free slots: a node in a quick streak offers
      // several times its slots, and counting those made it look idle while it ran a full
      // load, so every job went to it while another node sat idle.
      const load = node.attemptsHeld() / node.capacity;
      if (load < chosenLoad) {
        chosen = node;
        chosenLoad = load;
      }
    }
    return chosen;
  }

  private before(a: ReadyJob, b: ReadyJob): boolean {
    if (a.kind !== b.kind) return a.kind === 'rollback';
    if (this.options.priorityQueue && a.priority !== b.priority) return a.priority > b.priority;
    return a.seq < b.seq;
  }

  private unservableReason(target: DispatchTarget): string {
    const have = [...new Set(this.nodes.flatMap((n) => [...n.capabilities]))].sort().join(', ') || 'none';
    const waited = this.options.nodeWait?.ms ? ` and none joined within ${this.options.nodeWait.ms} ms` : '';
    const broken = this.brokenBy.get(target);
    return (
      `no node in the swarm can run dispatch "${target}"${waited} (capabilities available: ${have}); ` +
      (broken !== undefined
        ? `the node that ran it stopped: ${broken}`
        : target === 'internal'
        ? 'set [dispatcher] local_workers above 0 or attach a worker.'
        : `enable [backends.${target}] and attach a worker that offers it.`)
    );
  }
}
