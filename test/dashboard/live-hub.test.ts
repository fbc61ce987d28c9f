import { describe, expect, test } from 'bun:test';
import { LiveHub, type LiveClient, type LiveMessage, type SendResult } from '../../src/dashboard/server/live-hub.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { TransitionRecord } from '../../src/store/types.ts';
import { batch, newRun, newTask, transition } from '../store-conformance.ts';

/**
 * Not under test/server/: the journal these tests write is rows for the hub to page through, not
 * a run, and the suite re-simulates every journal the server tests leave (journal-audit.ts).
 *
 * The hub's pacing (the helper that found it: 300 `watch` messages of a 5k-task run held the
 * dispatcher's loop for 14 s, and a client that read slowly lost rows for good). Each test
 * steps the event loop one turn at a time: the hub sends from setImmediate.
 */

const ROWS = 5_000;

function storeWithRows(): { store: MemoryStore; readsPerTurn: number[] } {
  const store = new MemoryStore();
  store.createRun(newRun('run-1', { totalTasks: 1 }), [newTask('run-1', 'a')]);
  const transitions = Array.from({ length: ROWS }, (_, i) => transition('run-1', { actorId: `task:t${i}`, to: 'ready', at: 1_000 + i }));
  store.commit(batch({ transitions }));
  // Rows read in the current turn: the hub reads with getTransitions on a store without SQLite.
  const readsPerTurn = [0];
  const read = store.getTransitions.bind(store);
  store.getTransitions = (runId, options) => {
    const rows = read(runId, options);
    readsPerTurn[readsPerTurn.length - 1] += rows.length;
    return rows;
  };
  return { store, readsPerTurn };
}

/** A socket that answers each send as `answer` says, and keeps what it took. */
function fakeClient(answer: (n: number) => SendResult = () => 'sent'): LiveClient & { taken: LiveMessage[]; sends: number } {
  const client = {
    taken: [] as LiveMessage[],
    sends: 0,
    watching: new Map<string, number>(),
    summarized: new Set<string>(),
    wantsRuns: false,
    send(text: string): SendResult {
      const result = answer(client.sends++);
      if (result !== 'dropped') client.taken.push(JSON.parse(text) as LiveMessage);
      return result;
    },
  };
  return client;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const seqsOf = (messages: LiveMessage[]) => messages.flatMap((m) => (m.type === 'rows' ? m.rows.map((r: TransitionRecord) => r.seq) : []));

/** Steps turns until `done`, at most `limit` of them, counting reads per turn. */
async function turnsUntil(done: () => boolean, readsPerTurn: number[], limit = 1_000): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) {
    readsPerTurn.push(0);
    await turn();
  }
  expect(done()).toBe(true);
}

describe('the live hub sends a page at a time', () => {
  test('a watch sends nothing at once; each turn reads a bounded number of rows; every row arrives once, in order', async () => {
    const { store, readsPerTurn } = storeWithRows();
    const hub = new LiveHub(store);
    const client = fakeClient();
    hub.add(client);
    hub.watch(client, 'run-1', 0);
    expect(client.taken).toEqual([]);
    await turnsUntil(() => seqsOf(client.taken).length === ROWS, readsPerTurn);
    expect(seqsOf(client.taken)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(Math.max(...readsPerTurn)).toBeLessThanOrEqual(2_000);
    expect(readsPerTurn.filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
    hub.close();
  });

  test('300 watches of the run at once cost one turn\'s reads, not 300 backlogs', async () => {
    const { store, readsPerTurn } = storeWithRows();
    const hub = new LiveHub(store);
    const client = fakeClient();
    hub.add(client);
    for (let i = 0; i < 300; i++) hub.watch(client, 'run-1', 0);
    expect(readsPerTurn[0]).toBe(0);
    readsPerTurn.push(0);
    await turn();
    expect(readsPerTurn[1]).toBeLessThanOrEqual(2_000);
    await turnsUntil(() => seqsOf(client.taken).length === ROWS, readsPerTurn);
    expect(seqsOf(client.taken)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    hub.close();
  });

  test('a full socket gets nothing more until it has drained, and a dropped page is sent again: no row is lost', async () => {
    const { store, readsPerTurn } = storeWithRows();
    const hub = new LiveHub(store);
    // The second send fills the socket (queued), the fourth is dropped, the rest go through.
    const client = fakeClient((n) => (n === 1 ? 'backpressure' : n === 3 ? 'dropped' : 'sent'));
    hub.add(client);
    hub.watch(client, 'run-1', 0);
    for (let i = 0; i < 5; i++) await turn();
    expect(client.sends).toBe(2);
    expect(seqsOf(client.taken)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));

    hub.drained(client);
    for (let i = 0; i < 5; i++) await turn();
    // The third went out; the fourth (rows 1,501-2,000) was dropped: nothing until a drain.
    expect(client.sends).toBe(4);
    expect(seqsOf(client.taken).at(-1)).toBe(1_500);

    hub.drained(client);
    await turnsUntil(() => seqsOf(client.taken).length === ROWS, readsPerTurn);
    expect(seqsOf(client.taken)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    hub.close();
  });

  test('clients far behind take turns: a second client is served while the first still catches up', async () => {
    const { store } = storeWithRows();
    const hub = new LiveHub(store);
    const first = fakeClient();
    const second = fakeClient();
    hub.add(first);
    hub.add(second);
    hub.watch(first, 'run-1', 0);
    hub.watch(second, 'run-1', 0);
    await turn();
    await turn();
    expect(seqsOf(first.taken).length).toBeLessThan(ROWS);
    expect(seqsOf(second.taken).length).toBeGreaterThan(0);
    hub.close();
  });
});
