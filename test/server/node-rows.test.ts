import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { encodeFrame, toDispatcher } from '../../src/protocol/index.ts';
import { NODE_ROW_RETENTION_MS } from '../../src/server/dispatcher-server.ts';
import { openStore } from '../../src/store/index.ts';
import type { NodeRecord } from '../../src/store/types.ts';
import { serverConfig, startServer, stopServers } from './helpers.ts';

setDefaultTimeout(20_000);
afterEach(stopServers);

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Registers `name` on a fresh connection, then closes it and waits for the close. */
async function connectAndLeave(port: number, name: string): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/workers`);
  await new Promise((resolve) => ws.addEventListener('open', resolve));
  const welcomed = new Promise((resolve) => ws.addEventListener('message', resolve));
  ws.send(encodeFrame(toDispatcher.hello({ name, capabilities: ['internal'], capacity: 1 })));
  await welcomed;
  const closed = new Promise((resolve) => ws.addEventListener('close', resolve));
  ws.close();
  await closed;
}

const remoteNode = (id: string, lastSeenAt: number): NodeRecord => ({
  id,
  kind: 'remote',
  status: 'lost',
  capacity: 1,
  running: 0,
  capabilities: ['internal'],
  lastSeenAt,
  startedAt: lastSeenAt,
});

describe('the nodes table', () => {
  test('a worker that reconnects again and again keeps one row', async () => {
    const server = startServer(serverConfig((c) => (c.dispatcher.local_workers = 0)));
    for (let i = 0; i < 6; i++) {
      await connectAndLeave(server.port, 'flappy');
      await until('the connection to be lost', () => server.dispatcher.nodeLoads().length === 0);
    }
    await until('the row to say lost', () => server.store.listNodes().some((n) => n.id === 'remote:flappy' && n.status === 'lost'));
    expect(server.store.listNodes().map((n) => n.id)).toEqual(['remote:flappy']);
  });

  test('rows of nodes not seen for a day are dropped when a dispatcher starts, with their run-less journal rows; recent ones stay', async () => {
    const config = serverConfig((c) => (c.dispatcher.local_workers = 0));
    const now = Date.now();
    const seed = openStore(config.dispatcher.state_db_path);
    const old = now - NODE_ROW_RETENTION_MS - 60_000;
    seed.commit({
      runs: [],
      tasks: [],
      nodes: [remoteNode('remote:pod-7f9c2', old), remoteNode('remote:pod-a1b2c', old), remoteNode('remote:recent', now - 60_000)],
      transitions: ['remote:pod-7f9c2', 'remote:pod-a1b2c'].map((id) => ({
        runId: null,
        actorId: `node:${id}`,
        actorKind: 'node' as const,
        from: 'idle',
        to: 'lost',
        event: 'node.lost',
        payload: {},
        at: old,
      })),
    });
    expect(seed.counts()).toMatchObject({ nodes: 3, transitions: 2 });
    seed.close();

    const server = startServer(config);
    expect(server.store.listNodes().map((n) => n.id)).toEqual(['remote:recent']);
    const db = new Database(config.dispatcher.state_db_path, { readonly: true });
    try {
      const rows = db.query("SELECT actor_id FROM transitions WHERE actor_kind = 'node'").all();
      expect(rows).toEqual([]);
    } finally {
      db.close();
    }
  });
});
