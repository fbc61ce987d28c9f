import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import { coordinatorMachine, type CoordinatorInput } from '../../machines/coordinator-machine.ts';
import { coordinatorMessages } from '../../src/messages.ts';
import type { TaskStatus } from '../../src/store/types.ts';

const EFFECTS = [
  'beginScheduling',
  'pauseDispatching',
  'resumeDispatching',
  'cancelOutstanding',
  'beginCompensation',
  'announceFinished',
] as const;
type Effect = (typeof EFFECTS)[number];

/** A coordinator actor (not yet sent run.start) with every effect recorded in call order. */
function startCoordinator(input: Partial<CoordinatorInput> = {}) {
  const effects: Effect[] = [];
  const actions = Object.fromEntries(
    EFFECTS.map((name) => [
      name,
      () => {
        effects.push(name);
      },
    ]),
  ) as Record<Effect, () => void>;
  const actor = createActor(coordinatorMachine.provide({ actions }), { input: { runId: 'run-1', total: 3, ...input } });
  actor.start();
  return {
    actor,
    effects,
    send: actor.send.bind(actor),
    state: () => actor.getSnapshot().value,
    context: () => actor.getSnapshot().context,
    calls: (name: Effect) => effects.filter((e) => e === name).length,
  };
}

/** A run.tasksSettled batch: one entry per status given, tasks named t0, t1, ... */
let taskCounter = 0;
function settled(...statuses: TaskStatus[]) {
  return coordinatorMessages.tasksSettled(statuses.map((status) => ({ task: `t${taskCounter++}`, status })));
}

describe('coordinator machine: counting', () => {
  test('a new coordinator is idle until run.start', () => {
    const run = startCoordinator();
    expect(run.state()).toBe('idle');
    expect(run.effects).toEqual([]);
  });

  test('run.start begins scheduling', () => {
    const run = startCoordinator();
    run.send(coordinatorMessages.start());
    expect(run.state()).toBe('running');
    expect(run.effects).toEqual(['beginScheduling']);
  });

  test('a batch of settlements is counted by status', () => {
    const run = startCoordinator({ total: 5 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded', 'skipped', 'succeeded'));
    expect(run.state()).toBe('running');
    expect(run.context()).toMatchObject({
      settled: 3,
      succeeded: 2,
      unsuccessful: 1,
      byStatus: { succeeded: 2, skipped: 1 },
    });
  });

  test('counts add up across batches', () => {
    const run = startCoordinator({ total: 10 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded', 'failed'));
    run.send(settled('succeeded', 'rolled_back', 'failed'));
    expect(run.context()).toMatchObject({
      settled: 5,
      succeeded: 2,
      unsuccessful: 3,
      byStatus: { succeeded: 2, failed: 2, rolled_back: 1 },
    });
  });

  test('the run succeeds when every task succeeded, announcing it once', () => {
    const run = startCoordinator({ total: 3 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded', 'succeeded'));
    expect(run.state()).toBe('running');
    run.send(settled('succeeded'));
    expect(run.state()).toBe('succeeded');
    expect(run.calls('announceFinished')).toBe(1);
  });

  test('the run fails when all tasks settled and any of them did not succeed', () => {
    const run = startCoordinator({ total: 3 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded', 'skipped', 'succeeded'));
    expect(run.state()).toBe('failed');
    expect(run.calls('announceFinished')).toBe(1);
  });

  test('the run does not end while a task is still outstanding', () => {
    const run = startCoordinator({ total: 3 });
    run.send(coordinatorMessages.start());
    run.send(settled('failed', 'failed'));
    expect(run.state()).toBe('running');
    expect(run.calls('announceFinished')).toBe(0);
  });

  test('settlements after the run finished change nothing and announce nothing', () => {
    const run = startCoordinator({ total: 1 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded'));
    run.send(settled('failed'));
    expect(run.state()).toBe('succeeded');
    expect(run.context().settled).toBe(1);
    expect(run.calls('announceFinished')).toBe(1);
  });

  test('a run without tasks succeeds as soon as it starts', () => {
    const run = startCoordinator({ total: 0 });
    run.send(coordinatorMessages.start());
    expect(run.state()).toBe('succeeded');
    expect(run.effects).toEqual(['beginScheduling', 'announceFinished']);
  });
});

describe('coordinator machine: a resumed run', () => {
  test('the counts of tasks settled before the stop come with run.start (so the journal holds them)', () => {
    const run = startCoordinator({ total: 5 });
    run.send(coordinatorMessages.start({ succeeded: 2, failed: 1 }));
    expect(run.state()).toBe('running');
    expect(run.context()).toMatchObject({ settled: 3, succeeded: 2, unsuccessful: 1, byStatus: { succeeded: 2, failed: 1 } });
  });

  test('new settlements add to the resumed counts', () => {
    const run = startCoordinator({ total: 4 });
    run.send(coordinatorMessages.start({ succeeded: 3 }));
    expect(run.state()).toBe('running');
    run.send(settled('succeeded'));
    expect(run.state()).toBe('succeeded');
  });

  test('an earlier failure in the resumed counts makes the resumed run fail', () => {
    const run = startCoordinator({ total: 2 });
    run.send(coordinatorMessages.start({ skipped: 1 }));
    run.send(settled('succeeded'));
    expect(run.state()).toBe('failed');
  });

  test('a resumed run whose tasks all settled finishes on start', () => {
    const run = startCoordinator({ total: 2 });
    run.send(coordinatorMessages.start({ succeeded: 2 }));
    expect(run.state()).toBe('succeeded');
    expect(run.calls('announceFinished')).toBe(1);
  });
});

describe('coordinator machine: pause and resume', () => {
  test('pause stops dispatching', () => {
    const run = startCoordinator();
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.pause());
    expect(run.state()).toBe('paused');
    expect(run.calls('pauseDispatching')).toBe(1);
  });

  test('resume starts dispatching again', () => {
    const run = startCoordinator();
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.pause());
    run.send(coordinatorMessages.resume());
    expect(run.state()).toBe('running');
    expect(run.calls('resumeDispatching')).toBe(1);
  });

  test('settlements are still counted while paused', () => {
    const run = startCoordinator({ total: 3 });
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.pause());
    run.send(settled('succeeded', 'failed'));
    expect(run.state()).toBe('paused');
    expect(run.context()).toMatchObject({ settled: 2, succeeded: 1, unsuccessful: 1 });
  });

  test('a run whose last tasks settle while paused finishes from paused', () => {
    const run = startCoordinator({ total: 2 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded'));
    run.send(coordinatorMessages.pause());
    run.send(settled('succeeded'));
    expect(run.state()).toBe('succeeded');
    expect(run.calls('announceFinished')).toBe(1);
  });

  test('a failing run finishes from paused too', () => {
    const run = startCoordinator({ total: 1 });
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.pause());
    run.send(settled('failed'));
    expect(run.state()).toBe('failed');
    expect(run.calls('announceFinished')).toBe(1);
  });

  test('pause and resume are ignored before the run started', () => {
    const run = startCoordinator();
    run.send(coordinatorMessages.pause());
    expect(run.state()).toBe('idle');
    expect(run.effects).toEqual([]);
  });
});

describe('coordinator machine: cancel', () => {
  test('cancel records the reason and cancels the outstanding tasks', () => {
    const run = startCoordinator();
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.cancel('user asked'));
    expect(run.state()).toBe('cancelling');
    expect(run.context().cancelReason).toBe('user asked');
    expect(run.calls('cancelOutstanding')).toBe(1);
    expect(run.calls('announceFinished')).toBe(0);
  });

  test('a cancelling run ends in cancelled once every task settled, announcing it once', () => {
    const run = startCoordinator({ total: 3 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded'));
    run.send(coordinatorMessages.cancel('user asked'));
    run.send(settled('cancelled'));
    expect(run.state()).toBe('cancelling');
    run.send(settled('cancelled'));
    expect(run.state()).toBe('cancelled');
    expect(run.calls('announceFinished')).toBe(1);
  });

  test('a cancelled run whose tasks all succeeded in the grace period still ends cancelled', () => {
    const run = startCoordinator({ total: 2 });
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.cancel('user asked'));
    run.send(settled('succeeded', 'succeeded'));
    expect(run.state()).toBe('cancelled');
  });

  test('cancel while paused cancels too', () => {
    const run = startCoordinator({ total: 1 });
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.pause());
    run.send(coordinatorMessages.cancel('user asked'));
    expect(run.state()).toBe('cancelling');
    expect(run.calls('cancelOutstanding')).toBe(1);
    run.send(settled('cancelled'));
    expect(run.state()).toBe('cancelled');
  });

  test('cancel before the run started never begins scheduling', () => {
    const run = startCoordinator({ total: 1 });
    run.send(coordinatorMessages.cancel('user asked'));
    expect(run.state()).toBe('cancelling');
    expect(run.calls('beginScheduling')).toBe(0);
    expect(run.calls('cancelOutstanding')).toBe(1);
  });

  test('a second cancel, pause or resume while cancelling changes nothing', () => {
    const run = startCoordinator();
    run.send(coordinatorMessages.start());
    run.send(coordinatorMessages.cancel('first'));
    run.send(coordinatorMessages.cancel('second'));
    run.send(coordinatorMessages.pause());
    run.send(coordinatorMessages.resume());
    expect(run.state()).toBe('cancelling');
    expect(run.context().cancelReason).toBe('first');
    expect(run.calls('cancelOutstanding')).toBe(1);
    expect(run.calls('pauseDispatching')).toBe(0);
  });

  test('cancel after the run finished changes nothing', () => {
    const run = startCoordinator({ total: 1 });
    run.send(coordinatorMessages.start());
    run.send(settled('succeeded'));
    run.send(coordinatorMessages.cancel('too late'));
    expect(run.state()).toBe('succeeded');
    expect(run.calls('cancelOutstanding')).toBe(0);
    expect(run.calls('announceFinished')).toBe(1);
  });
});

describe('coordinator machine: compensation', () => {
  test('a rollback by request compensates at once and ends rolled_back, its counts as they were', () => {
    const c = startCoordinator({ total: 2 });
    c.send(coordinatorMessages.compensate({ succeeded: 2 }));
    expect(c.state()).toBe('compensating');
    expect(c.context()).toMatchObject({ compensating: 'request', succeeded: 2, settled: 2 });
    expect(c.effects).toEqual(['beginCompensation']);
    c.send(coordinatorMessages.cancel('no')); // a compensation runs to its end
    expect(c.state()).toBe('compensating');
    c.send(coordinatorMessages.compensated(0));
    expect(c.state()).toBe('rolled_back');
    expect(c.context().succeeded).toBe(2);
  });

  test('a compensation with a failed rollback ends rollback_failed, whoever asked for it', () => {
    for (const why of ['request', 'failure'] as const) {
      const c = startCoordinator({ total: 2 });
      c.send(coordinatorMessages.compensate({ succeeded: 1, failed: 1 }, why));
      c.send(coordinatorMessages.compensated(1));
      expect(c.state()).toBe('rollback_failed');
      expect(c.context().compensationsFailed).toBe(1);
    }
  });

  test('a saga run that failed compensates, then ends failed (its own failure)', () => {
    const c = startCoordinator({ total: 2, saga: true });
    c.send(coordinatorMessages.start());
    c.send(settled('succeeded', 'failed'));
    expect(c.state()).toBe('compensating');
    expect(c.context().compensating).toBe('failure');
    c.send(coordinatorMessages.compensated(0));
    expect(c.state()).toBe('failed');
  });

  test("a saga's compensation taken up (run.compensate, why failure) ends failed too, not rolled_back", () => {
    const c = startCoordinator({ total: 2, saga: true });
    c.send(coordinatorMessages.compensate({ succeeded: 1, failed: 1 }, 'failure'));
    expect(c.effects).toEqual(['beginCompensation']);
    expect(c.context()).toMatchObject({ compensating: 'failure', succeeded: 1, unsuccessful: 1 });
    c.send(coordinatorMessages.compensated(0));
    expect(c.state()).toBe('failed');
  });
});
