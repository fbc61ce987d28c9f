import { describe, expect, test } from 'bun:test';
import { SimulatedClock } from 'xstate';
import type { NodeRuntime } from '../../actors/node-runtime.ts';
import { SwarmScheduler, type JobOwner, type ReadyJob, type SchedulerOptions } from '../../actors/swarm-scheduler.ts';
import type { DispatchTarget } from '../../src/manifest/types.ts';

/** A node that only counts its slots: a dispatch takes one, `finish` gives it back. */
class FakeNode implements NodeRuntime {
  readonly capabilities: ReadonlySet<DispatchTarget>;
  running = 0;

  constructor(
    readonly id: string,
    capabilities: DispatchTarget[],
    readonly capacity: number,
    running = 0,
  ) {
    this.capabilities = new Set(capabilities);
    this.running = running;
  }

  freeSlots(): number {
    return this.capacity - this.running;
  }

  attemptsHeld(): number {
    return this.running;
  }

  execute(): void {}
  abort(): void {}
  async close(): Promise<void> {}
}

/** A run that records what the scheduler hands it. */
class FakeOwner implements JobOwner {
  readonly dispatched: { task: number; kind: ReadyJob['kind']; node: string }[] = [];
  readonly unservableJobs: { task: number; reason: string }[] = [];

  /** `log`, when shared by several owners, records dispatches across runs as `runId/index`. */
  constructor(
    readonly runId = 'run-1',
    private readonly log: string[] = [],
  ) {}

  dispatch(job: ReadyJob, node: NodeRuntime): void {
    (node as FakeNode).running++;
    this.dispatched.push({ task: job.index, kind: job.kind, node: node.id });
    this.log.push(`${this.runId}/${job.index}`);
  }

  unservable(job: ReadyJob, reason: string): void {
    this.unservableJobs.push({ task: job.index, reason });
  }

  get tasks(): number[] {
    return this.dispatched.map((d) => d.task);
  }
}

function scheduler(options: Partial<SchedulerOptions> = {}, ...nodes: FakeNode[]): SwarmScheduler {
  const s = new SwarmScheduler({ priorityQueue: true, loadBalancing: true, ...options });
  for (const node of nodes) s.addNode(node);
  return s;
}

function job(
  owner: JobOwner,
  index: number,
  fields: Partial<Pick<ReadyJob, 'kind' | 'priority' | 'target'>> = {},
): Omit<ReadyJob, 'seq'> {
  return { owner, index, kind: 'run', priority: 0, target: 'internal', ...fields };
}

/** Lets the pump the scheduler queued for itself (a microtask) run. */
const nextPump = () => Promise.resolve();

describe('SwarmScheduler: order', () => {
  test('the highest priority goes first', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 10));
    s.enqueue(job(owner, 0, { priority: 1 }));
    s.enqueue(job(owner, 1, { priority: 5 }));
    s.enqueue(job(owner, 2, { priority: 3 }));
    s.pump();
    expect(owner.tasks).toEqual([1, 2, 0]);
  });

  test('jobs of equal priority go first-come first-served', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 10));
    for (const i of [3, 1, 4, 0, 2]) s.enqueue(job(owner, i, { priority: 7 }));
    s.pump();
    expect(owner.tasks).toEqual([3, 1, 4, 0, 2]);
  });

  test('with priorityQueue off, priorities are ignored: strictly first-come first-served', () => {
    const owner = new FakeOwner();
    const s = scheduler({ priorityQueue: false }, new FakeNode('local', ['internal'], 10));
    s.enqueue(job(owner, 0, { priority: 1 }));
    s.enqueue(job(owner, 1, { priority: 9 }));
    s.enqueue(job(owner, 2, { priority: 5 }));
    s.pump();
    expect(owner.tasks).toEqual([0, 1, 2]);
  });

  test('rollback jobs go before run jobs of any priority', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 10));
    s.enqueue(job(owner, 0, { priority: 100 }));
    s.enqueue(job(owner, 1, { kind: 'rollback', priority: 0 }));
    s.pump();
    expect(owner.dispatched.map((d) => d.kind)).toEqual(['rollback', 'run']);
  });

  test('rollback jobs go first with priorityQueue off too', () => {
    const owner = new FakeOwner();
    const s = scheduler({ priorityQueue: false }, new FakeNode('local', ['internal'], 10));
    s.enqueue(job(owner, 0));
    s.enqueue(job(owner, 1, { kind: 'rollback' }));
    s.pump();
    expect(owner.tasks).toEqual([1, 0]);
  });

  test('the best head across dispatch targets goes first', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('mixed', ['internal', 'php_engine'], 10));
    s.enqueue(job(owner, 0, { target: 'internal', priority: 1 }));
    s.enqueue(job(owner, 1, { target: 'php_engine', priority: 2 }));
    s.enqueue(job(owner, 2, { target: 'internal', priority: 3 }));
    s.pump();
    expect(owner.tasks).toEqual([2, 1, 0]);
  });

  test('only as many jobs are dispatched as there are free slots', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 2));
    for (let i = 0; i < 5; i++) s.enqueue(job(owner, i));
    s.pump();
    expect(owner.tasks).toEqual([0, 1]);
    expect(s.queuedCount()).toBe(3);
  });

  test('a freed slot takes the next job on the next pump', () => {
    const owner = new FakeOwner();
    const node = new FakeNode('local', ['internal'], 1);
    const s = scheduler({}, node);
    for (let i = 0; i < 3; i++) s.enqueue(job(owner, i));
    s.pump();
    node.running--;
    s.pump();
    expect(owner.tasks).toEqual([0, 1]);
  });

  test('enqueue pumps on its own in a microtask', async () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 4));
    s.enqueue(job(owner, 0));
    s.enqueue(job(owner, 1));
    expect(owner.tasks).toEqual([]);
    await nextPump();
    expect(owner.tasks).toEqual([0, 1]);
  });

  test('jobs of several runs share one order', () => {
    const order: string[] = [];
    const a = new FakeOwner('run-a', order);
    const b = new FakeOwner('run-b', order);
    const s = scheduler({}, new FakeNode('local', ['internal'], 10));
    s.enqueue(job(a, 0, { priority: 1 }));
    s.enqueue(job(b, 0, { priority: 2 }));
    s.enqueue(job(a, 1, { priority: 2 }));
    s.pump();
    expect(order).toEqual(['run-b/0', 'run-a/1', 'run-a/0']);
  });
});

describe('SwarmScheduler: capability routing', () => {
  test('a php_engine job goes only to a node that offers php_engine', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      {},
      new FakeNode('local', ['internal'], 8),
      new FakeNode('php-worker', ['php_engine'], 1),
    );
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    s.pump();
    expect(owner.dispatched).toEqual([{ task: 0, kind: 'run', node: 'php-worker' }]);
  });

  test('a php_engine job waits while its only capable node is full', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      {},
      new FakeNode('local', ['internal'], 8),
      new FakeNode('php-worker', ['php_engine'], 1, 1),
    );
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    s.pump();
    expect(owner.dispatched).toEqual([]);
    expect(owner.unservableJobs).toEqual([]);
    expect(s.queuedCount()).toBe(1);
  });

  test('an internal job is not held back behind a php_engine job whose node is full', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      {},
      new FakeNode('local', ['internal'], 8),
      new FakeNode('php-worker', ['php_engine'], 1, 1),
    );
    s.enqueue(job(owner, 0, { target: 'php_engine', priority: 10 }));
    s.enqueue(job(owner, 1, { target: 'internal', priority: 0 }));
    s.pump();
    expect(owner.dispatched).toEqual([{ task: 1, kind: 'run', node: 'local' }]);
    expect(s.queuedCount()).toBe(1);
  });

  test('a rollback goes to a node that offers its own dispatch target', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      {},
      new FakeNode('local', ['internal'], 8),
      new FakeNode('ps-worker', ['powershell_engine'], 2),
    );
    s.enqueue(job(owner, 0, { kind: 'rollback', target: 'powershell_engine' }));
    s.pump();
    expect(owner.dispatched).toEqual([{ task: 0, kind: 'rollback', node: 'ps-worker' }]);
  });
});

describe('SwarmScheduler: node choice', () => {
  test('with load balancing, the least loaded capable node is chosen', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      { loadBalancing: true },
      new FakeNode('busy', ['internal'], 4, 3),
      new FakeNode('quiet', ['internal'], 4, 1),
    );
    s.enqueue(job(owner, 0));
    s.pump();
    expect(owner.dispatched[0].node).toBe('quiet');
  });

  test('load is relative to capacity, not the count of free slots', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      {},
      new FakeNode('big-half-full', ['internal'], 10, 5),
      new FakeNode('small-empty', ['internal'], 2, 0),
    );
    s.enqueue(job(owner, 0));
    s.pump();
    expect(owner.dispatched[0].node).toBe('small-empty');
  });

  test('a node holding work ahead (more free slots than capacity) is loaded by what it holds', () => {
    // In a quick streak a node offers several times its slots: `streaky` runs a full load and
    // still offers 12 more; `idle` runs nothing. The jobs go to `idle` until it holds as much.
    class HoldingAhead extends FakeNode {
      override freeSlots(): number {
        return this.capacity * 4 - this.running;
      }
    }
    const owner = new FakeOwner();
    const s = scheduler({}, new HoldingAhead('streaky', ['internal'], 4, 4), new FakeNode('idle', ['internal'], 4, 0));
    for (let i = 0; i < 6; i++) s.enqueue(job(owner, i));
    s.pump();
    expect(owner.dispatched.map((d) => d.node)).toEqual(['idle', 'idle', 'idle', 'idle', 'streaky', 'streaky']);
  });

  test('with load balancing, jobs spread over equal nodes', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('n1', ['internal'], 4), new FakeNode('n2', ['internal'], 4));
    for (let i = 0; i < 4; i++) s.enqueue(job(owner, i));
    s.pump();
    expect(owner.dispatched.map((d) => d.node)).toEqual(['n1', 'n2', 'n1', 'n2']);
  });

  test('without load balancing, the first capable node with a free slot is chosen', () => {
    const owner = new FakeOwner();
    const s = scheduler(
      { loadBalancing: false },
      new FakeNode('full', ['internal'], 2, 2),
      new FakeNode('busy', ['internal'], 4, 3),
      new FakeNode('quiet', ['internal'], 4, 0),
    );
    s.enqueue(job(owner, 0));
    s.enqueue(job(owner, 1));
    s.pump();
    expect(owner.dispatched.map((d) => d.node)).toEqual(['busy', 'quiet']);
  });

  test('a node that was removed gets no more jobs', () => {
    const owner = new FakeOwner();
    const gone = new FakeNode('gone', ['internal'], 4);
    const stays = new FakeNode('stays', ['internal'], 4, 3);
    const s = scheduler({}, gone, stays);
    s.removeNode(gone);
    s.enqueue(job(owner, 0));
    s.pump();
    expect(owner.dispatched[0].node).toBe('stays');
  });

  test('totalCapacity adds up every node', () => {
    const s = scheduler({}, new FakeNode('a', ['internal'], 4, 4), new FakeNode('b', ['php_engine'], 3));
    expect(s.totalCapacity()).toBe(7);
  });
});

describe('SwarmScheduler: unservable jobs', () => {
  test('a job no node can ever take is handed back with a reason naming the target and what exists', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 4));
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    s.pump();
    expect(owner.dispatched).toEqual([]);
    expect(owner.unservableJobs).toHaveLength(1);
    const { reason } = owner.unservableJobs[0];
    expect(reason).toContain('no node in the swarm can run dispatch "php_engine"');
    expect(reason).toContain('capabilities available: internal');
    expect(reason).toContain('enable [backends.php_engine]');
    expect(s.queuedCount()).toBe(0);
  });

  test('a job whose node broke says why the node stopped, not how to configure one; a node that joins clears it', () => {
    const owner = new FakeOwner();
    const local = new FakeNode('local', ['internal'], 4);
    const s = scheduler({}, local);
    s.removeNode(local, 'the worker threads stop as they start (tried 3 times): boom');
    s.enqueue(job(owner, 0));
    s.pump();
    const { reason } = owner.unservableJobs[0];
    expect(reason).toContain('no node in the swarm can run dispatch "internal"');
    expect(reason).toContain('the node that ran it stopped: the worker threads stop as they start (tried 3 times): boom');
    expect(reason).not.toContain('local_workers');
    const again = new FakeNode('again', ['internal'], 0);
    s.addNode(again);
    s.removeNode(again);
    s.enqueue(job(owner, 1));
    s.pump();
    expect(owner.unservableJobs[1].reason).toContain('local_workers');
  });

  test('an internal job without any node points at local_workers', () => {
    const owner = new FakeOwner();
    const s = scheduler({});
    s.enqueue(job(owner, 0));
    s.pump();
    expect(owner.unservableJobs[0].reason).toContain('capabilities available: none');
    expect(owner.unservableJobs[0].reason).toContain('local_workers above 0');
  });

  test('an unservable job does not stop servable work from being dispatched', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 4));
    s.enqueue(job(owner, 0, { target: 'rust_injector', priority: 9 }));
    s.enqueue(job(owner, 1));
    s.pump();
    expect(owner.unservableJobs.map((u) => u.task)).toEqual([0]);
    expect(owner.tasks).toEqual([1]);
  });

  // Regression: only the head of an unservable queue used to be handed back, and the others
  // stayed `ready` forever.
  test('every queued job of a target no node offers is handed back in one pump', async () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 4));
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    s.enqueue(job(owner, 1, { target: 'php_engine' }));
    s.enqueue(job(owner, 2, { target: 'php_engine' }));
    await nextPump();
    expect(owner.unservableJobs.map((u) => u.task)).toEqual([0, 1, 2]);
    expect(s.queuedCount()).toBe(0);
  });
});

describe('SwarmScheduler: waiting for a capable node (nodeWait)', () => {
  function waiting(ms: number) {
    const clock = new SimulatedClock();
    const s = new SwarmScheduler({
      priorityQueue: true,
      loadBalancing: true,
      nodeWait: { ms, clock, now: () => clock.now() },
    });
    return { clock, s };
  }

  test('a job for a target no node offers waits; a node that joins in time takes it', async () => {
    const owner = new FakeOwner();
    const { clock, s } = waiting(1_000);
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    await nextPump();
    clock.increment(999);
    expect(owner.unservableJobs).toEqual([]);
    expect(s.queuedCount()).toBe(1);
    s.addNode(new FakeNode('php', ['php_engine'], 1));
    await nextPump();
    expect(owner.dispatched).toEqual([{ task: 0, kind: 'run', node: 'php' }]);
    clock.increment(10_000);
    expect(owner.unservableJobs).toEqual([]);
  });

  test('when no capable node joins within the wait, every job of that target is handed back', async () => {
    const owner = new FakeOwner();
    const { clock, s } = waiting(1_000);
    s.addNode(new FakeNode('local', ['internal'], 4));
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    s.enqueue(job(owner, 1));
    await nextPump();
    expect(owner.tasks).toEqual([1]); // servable work is not held up meanwhile
    clock.increment(500);
    s.enqueue(job(owner, 2, { target: 'php_engine' }));
    await nextPump();
    expect(owner.unservableJobs).toEqual([]);
    clock.increment(500);
    expect(owner.unservableJobs.map((u) => u.task)).toEqual([0, 2]);
    expect(owner.unservableJobs[0].reason).toContain('none joined within 1000 ms');
    expect(s.queuedCount()).toBe(0);
  });

  test('the wait starts again once a capable node has come and gone', async () => {
    const owner = new FakeOwner();
    const { clock, s } = waiting(1_000);
    const php = new FakeNode('php', ['php_engine'], 1, 1); // present but full
    s.addNode(php);
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    await nextPump();
    clock.increment(5_000);
    s.removeNode(php);
    s.schedulePump();
    await nextPump();
    clock.increment(999);
    expect(owner.unservableJobs).toEqual([]);
    clock.increment(1);
    expect(owner.unservableJobs.map((u) => u.task)).toEqual([0]);
  });

  // A paused run's jobs leave the queue: the wait measures how long jobs have been waiting, so
  // a run paused while its node was missing (to bring a worker up) gets the whole wait again
  // when it resumes, not an instant failure.
  test('jobs withdrawn (a paused run) and queued again later get the whole wait again', async () => {
    const owner = new FakeOwner();
    const { clock, s } = waiting(1_000);
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    await nextPump();
    clock.increment(500);
    const parked = s.withdraw(owner, new Set(['run']));
    expect(parked).toHaveLength(1);
    clock.increment(5_000);
    s.enqueue(job(owner, 0, { target: 'php_engine' }));
    await nextPump();
    clock.increment(999);
    expect(owner.unservableJobs).toEqual([]);
    clock.increment(1);
    expect(owner.unservableJobs.map((u) => u.task)).toEqual([0]);
  });

  test('close cancels the pending wake-up', async () => {
    const owner = new FakeOwner();
    const { clock, s } = waiting(1_000);
    s.enqueue(job(owner, 0, { target: 'rust_injector' }));
    await nextPump();
    s.close();
    clock.increment(2_000);
    expect(owner.unservableJobs).toEqual([]);
  });
});

describe('SwarmScheduler: withdraw', () => {
  test('withdraw takes one run\'s jobs of the given kinds out, in arrival order', () => {
    const a = new FakeOwner('run-a');
    const b = new FakeOwner('run-b');
    const s = scheduler({}); // no node: nothing is dispatched or judged until pump
    s.enqueue(job(a, 0, { priority: 1 }));
    s.enqueue(job(b, 0));
    s.enqueue(job(a, 1, { priority: 9, target: 'php_engine' }));
    s.enqueue(job(a, 2, { kind: 'rollback' }));
    const withdrawn = s.withdraw(a, new Set(['run']));
    expect(withdrawn.map((j) => [j.owner.runId, j.index, j.kind])).toEqual([
      ['run-a', 0, 'run'],
      ['run-a', 1, 'run'],
    ]);
    expect(s.queuedCount()).toBe(2);
  });

  test('withdrawn jobs are never dispatched', () => {
    const owner = new FakeOwner();
    const s = scheduler({}, new FakeNode('local', ['internal'], 4));
    s.enqueue(job(owner, 0));
    s.enqueue(job(owner, 1, { kind: 'rollback' }));
    s.withdraw(owner, new Set(['run']));
    s.pump();
    expect(owner.dispatched).toEqual([{ task: 1, kind: 'rollback', node: 'local' }]);
  });

  test('withdraw of a run with nothing queued returns nothing', () => {
    const s = scheduler({}, new FakeNode('local', ['internal'], 4));
    expect(s.withdraw(new FakeOwner(), new Set(['run', 'rollback']))).toEqual([]);
  });
});
