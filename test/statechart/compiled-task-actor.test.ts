import { describe, expect, test } from 'bun:test';
import { JournalRecorder } from '../../actors/journal/journal-recorder.ts';
import { projectTask } from '../../actors/journal/projections.ts';
import { CompiledTaskActor } from '../../actors/task-engine/compiled-task-actor.ts';
import { taskMachine, type TaskInput } from '../../machines/task-machine.ts';
import type { Clock } from '../../src/clock.ts';
import { taskMessages } from '../../src/messages.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { compileMachine } from '../../src/statechart/compiled-machine.ts';
import { newRun, newTask } from '../store-conformance.ts';

/**
 * The host side of the compiled engine: the journal gets each state before the host acts on
 * it, an event a host action sends to its own task waits until the current one is handled (as
 * in an XState actor's mailbox), and a stopped actor leaves no timer behind.
 */

const input: TaskInput = { runId: 'run-1', name: 'deploy', retries: 0, timeout: 1_000, rollbackTimeout: null, backoff: { base: 10, max: 100 } };

/** A clock whose timers are kept until fired by hand. */
function handClock() {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const clock: Clock = {
    setTimeout: (fn, ms) => {
      timers.set(next, { fn: fn as () => void, ms });
      return next++;
    },
    clearTimeout: (id) => void timers.delete(id as number),
  };
  return { clock, timers };
}

function setUp(actions: Record<string, (args: { context: any }) => void>) {
  const store = new MemoryStore();
  store.createRun(newRun('run-1'), [newTask('run-1', 'deploy')]);
  const journal = new JournalRecorder({ store });
  const { clock, timers } = handClock();
  const order: string[] = [];
  const machine = compileMachine(
    taskMachine.provide({
      actions: Object.fromEntries(
        ['announceReady', 'leaveReady', 'startAttempt', 'abortAttempt', 'startRollback', 'abortRollback', 'announceSettled'].map((name) => [
          name,
          (args: { context: any }) => {
            // What the journal holds when the host acts: the state is already recorded.
            order.push(`${name} after ${journalRows().at(-1)?.to}`);
            actions[name]?.(args);
          },
        ]),
      ),
    }),
  );
  const actor = new CompiledTaskActor(machine, input, journal, journal.track({ actorId: 'task:deploy', kind: 'task', runId: 'run-1', project: projectTask }), clock);
  const journalRows = () => {
    journal.flush();
    return store.getTransitions('run-1');
  };
  return { actor, timers, order, journalRows, store };
}

describe('CompiledTaskActor', () => {
  test('the state is journaled before the host acts on it; a send from a host action waits its turn', () => {
    let sendBack = () => {};
    const t = setUp({ announceReady: () => sendBack() });
    sendBack = () => t.actor.send(taskMessages.assign('node-a'));
    t.actor.start();
    t.actor.send(taskMessages.depsMet());
    expect(t.actor.getSnapshot().value).toBe('assigned');
    expect(t.journalRows().map((r) => `${r.from ?? '∅'}→${r.to} ${r.event}`)).toEqual([
      '∅→pending xstate.init',
      'pending→ready task.depsMet',
      'ready→assigned task.assign',
    ]);
    // announceReady ran with `ready` recorded, and the assign it sent was taken only after it.
    expect(t.order).toEqual(['announceReady after ready', 'leaveReady after assigned', 'startAttempt after assigned']);
    expect(t.store.getTask('run-1', 'deploy')).toMatchObject({ status: 'assigned', attempts: 1, node: 'node-a' });
  });

  test('a delay is a timer on the injected clock; firing it takes the after-transition', () => {
    const t = setUp({});
    t.actor.start();
    t.actor.send(taskMessages.depsMet());
    t.actor.send(taskMessages.assign('node-a'));
    expect([...t.timers.values()].map((x) => x.ms)).toEqual([1_000]);
    t.actor.send(taskMessages.started(1));
    // Leaving `assigned` cancelled its timer; `running` has its own.
    expect([...t.timers.values()].map((x) => x.ms)).toEqual([1_000]);
    const [timer] = t.timers.values();
    t.timers.clear();
    timer.fn();
    expect(t.actor.getSnapshot().value).toBe('failed');
    expect(t.actor.getSnapshot().context.error).toMatchObject({ code: 'TASK_TIMEOUT' });
    expect(t.journalRows().at(-1)).toMatchObject({ from: 'running', to: 'failed', event: 'xstate.after.attemptTimeout.task.running' });
  });

  test('a stopped actor takes no event and keeps no timer', () => {
    const t = setUp({});
    t.actor.start();
    t.actor.send(taskMessages.depsMet());
    t.actor.send(taskMessages.assign('node-a'));
    expect(t.timers.size).toBe(1);
    t.actor.stop();
    expect(t.timers.size).toBe(0);
    t.actor.send(taskMessages.started(1));
    expect(t.actor.getSnapshot().value).toBe('assigned');
  });
});
