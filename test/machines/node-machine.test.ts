import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import { nodeMachine } from '../../machines/node-machine.ts';
import { nodeMessages } from '../../src/messages.ts';

/** A started node actor with capacity 4 whose announceGone calls are counted. */
function startNode() {
  let gone = 0;
  const actor = createActor(
    nodeMachine.provide({
      actions: {
        announceGone: () => {
          gone++;
        },
      },
    }),
    { input: { nodeId: 'local', capacity: 4 } },
  );
  actor.start();
  return {
    send: actor.send.bind(actor),
    state: () => actor.getSnapshot().value,
    snapshot: () => actor.getSnapshot(),
    context: () => actor.getSnapshot().context,
    status: () => actor.getSnapshot().status,
    gone: () => gone,
  };
}

const started = (count: number) => nodeMessages.attemptsStarted('run-1', count);
const ended = (count: number) => nodeMessages.attemptsEnded('run-1', count);

describe('node machine: idle and busy', () => {
  test('a new node is idle with nothing running', () => {
    const node = startNode();
    expect(node.state()).toBe('idle');
    expect(node.context()).toEqual({ nodeId: 'local', capacity: 4, running: 0, lostReason: null, lastHeartbeatAt: null });
  });

  test('started attempts make the node busy and are counted', () => {
    const node = startNode();
    node.send(started(3));
    expect(node.state()).toBe('busy');
    expect(node.context().running).toBe(3);
  });

  test('further started attempts add to the count', () => {
    const node = startNode();
    node.send(started(1));
    node.send(started(2));
    expect(node.context().running).toBe(3);
  });

  test('the node stays busy while some attempts are still running', () => {
    const node = startNode();
    node.send(started(3));
    node.send(ended(2));
    expect(node.state()).toBe('busy');
    expect(node.context().running).toBe(1);
  });

  test('the node is idle again once every attempt ended', () => {
    const node = startNode();
    node.send(started(3));
    node.send(ended(1));
    node.send(ended(2));
    expect(node.state()).toBe('idle');
    expect(node.context().running).toBe(0);
  });

  test('more ended than started never makes the count negative', () => {
    const node = startNode();
    node.send(started(1));
    node.send(ended(5));
    expect(node.state()).toBe('idle');
    expect(node.context().running).toBe(0);
  });

  test('a heartbeat changes no state, only when the node was last heard of', () => {
    const node = startNode();
    node.send(started(1));
    node.send(nodeMessages.heartbeat(1_234));
    expect(node.state()).toBe('busy');
    expect(node.context().running).toBe(1);
    expect(node.context().lastHeartbeatAt).toBe(1_234);
  });
});

describe('node machine: drain', () => {
  test('an idle node that is drained stops at once and announces it is gone', () => {
    const node = startNode();
    node.send(nodeMessages.drain());
    expect(node.state()).toBe('stopped');
    expect(node.status()).toBe('done');
    expect(node.gone()).toBe(1);
  });

  test('a busy node that is drained waits for its running attempts', () => {
    const node = startNode();
    node.send(started(2));
    node.send(nodeMessages.drain());
    expect(node.state()).toBe('draining');
    node.send(ended(1));
    expect(node.state()).toBe('draining');
    expect(node.gone()).toBe(0);
  });

  test('a draining node stops once its last attempt ended', () => {
    const node = startNode();
    node.send(started(2));
    node.send(nodeMessages.drain());
    node.send(ended(2));
    expect(node.state()).toBe('stopped');
    expect(node.gone()).toBe(1);
  });
});

describe('node machine: lost', () => {
  test('an idle node can be lost, with the reason kept', () => {
    const node = startNode();
    node.send(nodeMessages.lost('heartbeat missed'));
    expect(node.state()).toBe('lost');
    expect(node.context().lostReason).toBe('heartbeat missed');
    expect(node.gone()).toBe(1);
  });

  test('a busy node can be lost', () => {
    const node = startNode();
    node.send(started(2));
    node.send(nodeMessages.lost('socket closed'));
    expect(node.state()).toBe('lost');
    expect(node.gone()).toBe(1);
  });

  test('a draining node can be lost', () => {
    const node = startNode();
    node.send(started(1));
    node.send(nodeMessages.drain());
    node.send(nodeMessages.lost('socket closed'));
    expect(node.state()).toBe('lost');
    expect(node.gone()).toBe(1);
  });

  test('a lost node is final: nothing moves it and it is announced gone once', () => {
    const node = startNode();
    node.send(nodeMessages.lost('socket closed'));
    node.send(started(1));
    node.send(nodeMessages.drain());
    node.send(nodeMessages.lost('again'));
    expect(node.state()).toBe('lost');
    expect(node.status()).toBe('done');
    expect(node.context().lostReason).toBe('socket closed');
    expect(node.gone()).toBe(1);
  });
});

describe('node machine: a batch of attempts counted at once', () => {
  const counted = (start: number, end: number) => nodeMessages.attemptsCounted('run-1', start, end);

  test('on an idle node, a batch that ended all it started changes nothing, not even the snapshot', () => {
    const node = startNode();
    const before = node.snapshot();
    node.send(counted(2, 2));
    expect(node.snapshot()).toBe(before);
    expect(node.state()).toBe('idle');
  });

  test('on an idle node, a batch that left work running makes it busy with that count', () => {
    const node = startNode();
    node.send(counted(3, 1));
    expect(node.state()).toBe('busy');
    expect(node.context().running).toBe(2);
  });

  test('a busy node counts started less ended, and is idle once nothing runs', () => {
    const node = startNode();
    node.send(counted(2, 0));
    node.send(counted(1, 1));
    expect([node.state(), node.context().running]).toEqual(['busy', 2]);
    node.send(counted(1, 3));
    expect([node.state(), node.context().running]).toEqual(['idle', 0]);
  });

  test('a draining node stops once a batch ends what still ran', () => {
    const node = startNode();
    node.send(counted(2, 0));
    node.send(nodeMessages.drain());
    node.send(counted(0, 1));
    expect(node.state()).toBe('draining');
    node.send(counted(0, 1));
    expect(node.state()).toBe('stopped');
    expect(node.gone()).toBe(1);
  });
});
