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

  constructor(private readonly options: SchedulerOptions) {}

  addNode(node: NodeRuntime): void {
    this.nodes.push(node);
    this.schedulePump();
  }

  removeNode(node: NodeRuntime): void {
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
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
    for (const queue of this.queues.values()) {
      out.push(...queue.removeWhere((job) => job.owner === owner && kinds.has(job.kind)));
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
          // Nothing in the swarm offers this target: every job queued for it fails now.
          const reason = this.unservableReason(target);
          for (let j = queue.pop(); j !== undefined; j = queue.pop()) j.owner.unservable(j, reason);
          continue;
        }
        if (best && !this.before(job, best.job)) continue;
        const node = this.pickNode(target);
        if (node) best = { queue, job, node };
      }
      if (!best) return;
      best.queue.pop();
      best.job.owner.dispatch(best.job, best.node);
    }
  }

  private pickNode(target: DispatchTarget): NodeRuntime | null {
    let chosen: NodeRuntime | null = null;
    let chosenLoad = Infinity;
    for (const node of this.nodes) {
      if (!node.capabilities.has(target)) continue;
      const free = node.freeSlots();
      if (free <= 0) continue;
      if (!this.options.loadBalancing) return node;
      const load = 1 - free / node.capacity;
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
    return (
      `no node in the swarm can run dispatch "${target}" (capabilities available: ${have}); ` +
      (target === 'internal'
        ? 'set [dispatcher] local_workers above 0 or attach a worker.'
        : `enable [backends.${target}] and attach a worker that offers it.`)
    );
  }
}
