import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import { dispatcherMachine } from '../../machines/dispatcher-machine.ts';
import { dispatcherMessages } from '../../src/messages.ts';

/** A started dispatcher actor whose effects are recorded in call order. */
function startDispatcher() {
  const effects: string[] = [];
  const actor = createActor(
    dispatcherMachine.provide({
      actions: {
        beginShutdown: () => {
          effects.push('beginShutdown');
        },
        announceStopped: () => {
          effects.push('announceStopped');
        },
      },
    }),
  );
  actor.start();
  return {
    effects,
    send: actor.send.bind(actor),
    state: () => actor.getSnapshot().value,
    activeRuns: () => actor.getSnapshot().context.activeRuns,
    status: () => actor.getSnapshot().status,
  };
}

/** A dispatcher that has reported ready. */
function readyDispatcher() {
  const dispatcher = startDispatcher();
  dispatcher.send(dispatcherMessages.ready());
  return dispatcher;
}

describe('dispatcher machine: idle and busy', () => {
  test('a new dispatcher is starting with no runs', () => {
    const dispatcher = startDispatcher();
    expect(dispatcher.state()).toBe('starting');
    expect(dispatcher.activeRuns()).toBe(0);
  });

  test('ready makes it idle', () => {
    expect(readyDispatcher().state()).toBe('idle');
  });

  test('runs are not accepted while still starting', () => {
    const dispatcher = startDispatcher();
    dispatcher.send(dispatcherMessages.runAccepted('run-1'));
    expect(dispatcher.state()).toBe('starting');
    expect(dispatcher.activeRuns()).toBe(0);
  });

  test('an accepted run makes it busy', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.runAccepted('run-1'));
    expect(dispatcher.state()).toBe('busy');
    expect(dispatcher.activeRuns()).toBe(1);
  });

  test('it stays busy until every accepted run finished', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.runAccepted('run-1'));
    dispatcher.send(dispatcherMessages.runAccepted('run-2'));
    dispatcher.send(dispatcherMessages.runFinished('run-1', 'succeeded'));
    expect(dispatcher.state()).toBe('busy');
    expect(dispatcher.activeRuns()).toBe(1);
  });

  test('it is idle again when all runs finished', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.runAccepted('run-1'));
    dispatcher.send(dispatcherMessages.runAccepted('run-2'));
    dispatcher.send(dispatcherMessages.runFinished('run-2', 'failed'));
    dispatcher.send(dispatcherMessages.runFinished('run-1', 'succeeded'));
    expect(dispatcher.state()).toBe('idle');
    expect(dispatcher.activeRuns()).toBe(0);
  });
});

describe('dispatcher machine: shutdown', () => {
  test('stop from idle begins the shutdown', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.stop());
    expect(dispatcher.state()).toBe('stopping');
    expect(dispatcher.effects).toEqual(['beginShutdown']);
  });

  test('stop from busy begins the shutdown and keeps counting finished runs', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.runAccepted('run-1'));
    dispatcher.send(dispatcherMessages.stop());
    expect(dispatcher.state()).toBe('stopping');
    dispatcher.send(dispatcherMessages.runFinished('run-1', 'cancelled'));
    expect(dispatcher.state()).toBe('stopping');
    expect(dispatcher.activeRuns()).toBe(0);
  });

  test('stop while still starting begins the shutdown', () => {
    const dispatcher = startDispatcher();
    dispatcher.send(dispatcherMessages.stop());
    expect(dispatcher.state()).toBe('stopping');
    expect(dispatcher.effects).toEqual(['beginShutdown']);
  });

  test('a stopping dispatcher accepts no new runs', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.stop());
    dispatcher.send(dispatcherMessages.runAccepted('run-1'));
    expect(dispatcher.state()).toBe('stopping');
    expect(dispatcher.activeRuns()).toBe(0);
  });

  test('drained stops it for good and announces it once', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.stop());
    dispatcher.send(dispatcherMessages.drained());
    expect(dispatcher.state()).toBe('stopped');
    expect(dispatcher.status()).toBe('done');
    expect(dispatcher.effects).toEqual(['beginShutdown', 'announceStopped']);
  });

  test('drained before stop is ignored', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.drained());
    expect(dispatcher.state()).toBe('idle');
    expect(dispatcher.effects).toEqual([]);
  });

  test('a second stop begins no second shutdown', () => {
    const dispatcher = readyDispatcher();
    dispatcher.send(dispatcherMessages.stop());
    dispatcher.send(dispatcherMessages.stop());
    expect(dispatcher.effects).toEqual(['beginShutdown']);
  });
});
